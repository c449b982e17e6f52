using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>One parameter of an optimizer step: the parameter, its gradient (same shape) and its state.</summary>
public readonly record struct ParameterUpdate(Tensor Parameter, Tensor Grad, ParameterState State);
