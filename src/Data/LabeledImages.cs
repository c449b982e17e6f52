namespace DeepNet.Data;

/// <summary>
/// Images with one class label each, as plain arrays ready to copy into tensors.
/// <see cref="Images"/> is [Count, Channels, Height, Width] row-major (NCHW) with values in
/// [0, 1]; <see cref="Labels"/> is [Count] with class indices.
/// </summary>
/// <param name="Images">Pixels, [Count, Channels, Height, Width] row-major, each in [0, 1].</param>
/// <param name="Labels">Class index of each image, [Count].</param>
/// <param name="Count">Number of images (N).</param>
/// <param name="Channels">Channels per image (C); 1 for MNIST.</param>
/// <param name="Height">Rows per image (H).</param>
/// <param name="Width">Columns per image (W).</param>
public sealed record LabeledImages(float[] Images, int[] Labels, int Count, int Channels, int Height, int Width)
{
    /// <summary>Elements per image: Channels·Height·Width.</summary>
    public int ImageVolume => Channels * Height * Width;
}
