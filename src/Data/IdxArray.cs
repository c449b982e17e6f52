namespace DeepNet.Data;

/// <summary>
/// The contents of an IDX file (the format of the original MNIST files): the dimension sizes
/// from its header and the unsigned-byte payload in row-major order, <c>Data.Length</c> equal
/// to the product of <see cref="Dimensions"/>.
/// </summary>
/// <param name="Dimensions">Sizes, outermost first: [N] for labels, [N, rows, cols] for images.</param>
/// <param name="Data">Row-major payload bytes.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);
