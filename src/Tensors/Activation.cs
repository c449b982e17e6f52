
namespace DeepNet.Tensors;

/// <summary>
/// The one activation vocabulary: <see cref="Tensor.Activate"/>, the fused
/// <see cref="Tensor.AddBiasActivation"/>, and the layers that take an activation argument
/// (Dense, Conv2D, TransformerEncoderLayer, Rnn).
/// </summary>
public enum Activation
{
    Identity,
    Relu,
    /// <summary>Exact Gelu, x·Φ(x) (torch's approximate='none').</summary>
    Gelu,
    Tanh,
    Sigmoid,
    /// <summary>Tanh-approximated Gelu (torch's approximate='tanh').</summary>
    GeluTanh,
}
