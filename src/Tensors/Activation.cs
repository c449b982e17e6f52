
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
    Gelu,
    Tanh,
    Sigmoid,
}
