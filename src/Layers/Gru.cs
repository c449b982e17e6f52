using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Gated recurrent unit, as torch.nn.GRU, gates stacked in PyTorch's order r, z, n:
/// r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
/// n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h_t = (1 − z)⊙n + z⊙h_{t−1}.
/// Input [T, N, in] ([N, T, in] batch-first, [T, in] unbatched) → [T, N, D·H];
/// parameters weight_ih_l{k}[_reverse] [3H, in], weight_hh_l{k} [3H, H], biases [3H].
/// </summary>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Creates the layer with PyTorch's defaults and U(−1/√H, 1/√H) weights.</summary>
    public Gru(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        float dropout = 0f, bool bidirectional = false, Generator? generator = null)
        : base(3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator)
    {
    }

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

    protected override Tensor[] Step(Tensor inputGates, Tensor[] state, Tensor weightHhT, Tensor? biasHh)
    {
        int h = HiddenSize;
        var previous = state[0];
        return [DisposeScope.Run(() =>
        {
            var hidden = HiddenGates(previous, weightHhT, biasHh);   // [N, 3H]
            var rz = (inputGates.Narrow(1, 0, 2 * h) + hidden.Narrow(1, 0, 2 * h)).Sigmoid();
            var (r, z) = (rz.Narrow(1, 0, h), rz.Narrow(1, h, h));
            var n = (inputGates.Narrow(1, 2 * h, h) + r * hidden.Narrow(1, 2 * h, h)).Tanh();
            // (1 − z)⊙n + z⊙h = n + z⊙(h − n): one fewer op.
            return n + z * (previous - n);
        })];
    }
}
