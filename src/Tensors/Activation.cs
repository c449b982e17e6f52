
namespace DeepNet.Tensors;

/// <summary>The activation of the fused <see cref="Tensor.AddBiasActivation"/>.</summary>
public enum Activation
{
    Identity,
    Relu,
    Gelu,
    Tanh,
    Sigmoid,
}
