namespace DeepNet.Tensors;

/// <summary>
/// One parameter of <see cref="Tensor.AdamUpdateAll"/>: the operands and step count of
/// <see cref="Tensor.AdamUpdate"/> (<paramref name="MaxExpAvgSq"/> required with AMSGrad, ignored otherwise).
/// </summary>
public readonly record struct AdamUpdateItem(Tensor Parameter, Tensor Grad, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? MaxExpAvgSq,
    long Step, AdamOptions Options);
