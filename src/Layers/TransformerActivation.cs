namespace DeepNet.Layers;

/// <summary>The feed-forward activation of a <see cref="TransformerEncoderLayer"/>.</summary>
public enum TransformerActivation
{
    Relu,
    Gelu,
}
