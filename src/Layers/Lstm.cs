using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Long short-term memory, as torch.nn.LSTM, gates stacked in PyTorch's order i, f, g, o:
/// i, f, o = σ(·), g = tanh(·) of x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh; c_t = f⊙c_{t−1} + i⊙g;
/// h_t = o⊙tanh(c_t). Input [T, N, in] ([N, T, in] batch-first, [T, in] unbatched) → [T, N, D·H];
/// parameters weight_ih_l{k}[_reverse] [4H, in], weight_hh_l{k} [4H, H], biases [4H].
/// </summary>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Creates the layer with PyTorch's defaults and U(−1/√H, 1/√H) weights.</summary>
    public Lstm(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        float dropout = 0f, bool bidirectional = false, Generator? generator = null)
        : base(4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator)
    {
    }

    protected override int StateCount => 2;

    /// <summary>
    /// Output sequence and final states h_n, c_n [L·D, N, H], starting from <paramref name="h0"/> and
    /// <paramref name="c0"/> ([L·D, N, H]; zeros when null).
    /// </summary>
    public (Tensor Output, Tensor HiddenState, Tensor CellState) ForwardWithState(Tensor input, Tensor? h0 = null, Tensor? c0 = null)
    {
        var (output, final) = Run(input, [h0, c0]);
        return (output, final[0], final[1]);
    }

    protected override Tensor[] Step(Tensor inputGates, Tensor[] state, Tensor weightHhT, Tensor? biasHh)
    {
        int h = HiddenSize;
        return DisposeScope.Run(() =>
        {
            var gates = inputGates + HiddenGates(state[0], weightHhT, biasHh);   // [N, 4H]
            var i = gates.Narrow(1, 0, h).Sigmoid();
            var f = gates.Narrow(1, h, h).Sigmoid();
            var g = gates.Narrow(1, 2 * h, h).Tanh();
            var o = gates.Narrow(1, 3 * h, h).Sigmoid();
            var cell = f * state[1] + i * g;
            return new[] { o * cell.Tanh(), cell };
        });
    }
}
