namespace DeepNet.Tensors;

/// <summary>
/// One parameter of <see cref="Tensor.RmsPropUpdateAll"/>: the operands of <see cref="Tensor.RmsPropUpdate"/>
/// (<paramref name="GradAvg"/> required when centered, <paramref name="MomentumBuffer"/> when the momentum is &gt; 0).
/// </summary>
public readonly record struct RmsPropUpdateItem(Tensor Parameter, Tensor Grad, Tensor SquareAvg, Tensor? GradAvg,
    Tensor? MomentumBuffer, RmsPropOptions Options);
