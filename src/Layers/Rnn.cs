using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Elman RNN, as torch.nn.RNN: h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or Relu).
/// Input [T, N, in] ([N, T, in] batch-first, [T, in] unbatched) → output [T, N, D·H];
/// parameters weight_ih_l{k}[_reverse] [H, in], weight_hh_l{k} [H, H], bias_ih_l{k}, bias_hh_l{k} [H].
/// </summary>
public sealed class Rnn : RecurrentLayer
{
    /// <summary>Creates the layer with PyTorch's defaults and U(−1/√H, 1/√H) weights.</summary>
    /// <remarks>
    /// The arguments are Lstm's and Gru's, in their order, then <paramref name="nonlinearity"/>: Tanh
    /// (PyTorch's default) or Relu, as torch.nn.RNN allows. (torch.nn.RNN takes nonlinearity fourth;
    /// here it is last so that one positional call fits all three recurrent layers.)
    /// </remarks>
    public Rnn(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        float dropout = 0f, bool bidirectional = false, Generator? generator = null, Activation nonlinearity = Activation.Tanh)
        : base(1, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator)
    {
        if (nonlinearity is not (Activation.Tanh or Activation.Relu))
            throw new ArgumentException($"rnn: nonlinearity must be Tanh or Relu, got {nonlinearity}");
        Nonlinearity = nonlinearity;
    }

    /// <summary>The cell's activation: Tanh or Relu.</summary>
    public Activation Nonlinearity { get; }

    protected override int StateCount => 1;

    /// <summary>
    /// Output sequence and final hidden state h_n [L·D, N, H], starting from <paramref name="h0"/>
    /// ([L·D, N, H]; zeros when null).
    /// </summary>
    public (Tensor Output, Tensor HiddenState) ForwardWithState(Tensor input, Tensor? h0 = null)
    {
        var (output, final) = Run(input, [h0]);
        return (output, final[0]);
    }

    protected override Tensor[] Step(Tensor inputGates, Tensor[] state, Tensor weightHhT, Tensor? biasHh) =>
        [DisposeScope.Run(() =>
        {
            var preActivation = inputGates + HiddenGates(state[0], weightHhT, biasHh);
            return preActivation.Activate(Nonlinearity);
        })];
}
