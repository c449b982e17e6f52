namespace DeepNet.Tensors;

/// <summary>
/// One parameter of <see cref="Tensor.SgdUpdateAll"/>: the operands of <see cref="Tensor.SgdUpdate"/>
/// (<paramref name="MomentumBuffer"/> required when the momentum is nonzero, ignored otherwise).
/// </summary>
public readonly record struct SgdUpdateItem(Tensor Parameter, Tensor Grad, Tensor? MomentumBuffer, bool FirstStep, SgdOptions Options);
