namespace DeepNet.Layers;

/// <summary>The activation of an Elman <see cref="Rnn"/> cell (torch.nn.RNN's nonlinearity).</summary>
public enum RnnNonlinearity
{
    Tanh,
    Relu,
}
