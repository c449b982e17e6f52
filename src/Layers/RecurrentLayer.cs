using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Shared machinery of <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/>, as torch.nn.RNNBase:
/// stacked layers, optional reverse direction, PyTorch's parameter names and layouts
/// (<c>weight_ih_l{k}[_reverse]</c>: [G·H, in], <c>weight_hh_l{k}</c>: [G·H, H], <c>bias_ih_l{k}</c>,
/// <c>bias_hh_l{k}</c>: [G·H], G gates stacked in PyTorch's order) and U(−1/√H, 1/√H) init.
/// Input: [T, N, in] ([N, T, in] when batch-first, or unbatched [T, in]); output [T, N, D·H];
/// states [L·D, N, H]. The time loop is plain Tensor ops, so autograd supplies the gradients.
/// </summary>
public abstract class RecurrentLayer : Module
{
    private readonly Tensor[][] _weights;   // per layer·direction: w_ih, w_hh, [b_ih, b_hh]

    /// <summary>Registers the weights of <paramref name="numLayers"/> layers with <paramref name="gates"/> stacked gates.</summary>
    protected RecurrentLayer(int gates, int inputSize, int hiddenSize, int numLayers, bool bias, bool batchFirst,
        float dropout, bool bidirectional, Generator? generator)
    {
        string op = GetType().Name.ToLowerInvariant();
        if (inputSize < 1 || hiddenSize < 1 || numLayers < 1)
            throw new ArgumentException($"{op}: input_size ({inputSize}), hidden_size ({hiddenSize}) and num_layers ({numLayers}) must be positive");
        if (dropout < 0f || dropout >= 1f)
            throw new ArgumentException($"{op}: dropout must be in [0, 1), got {dropout}");
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        HasBias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Directions = bidirectional ? 2 : 1;
        float bound = 1f / MathF.Sqrt(hiddenSize);
        _weights = new Tensor[numLayers * Directions][];
        for (int layer = 0; layer < numLayers; layer++)
            for (int direction = 0; direction < Directions; direction++)
            {
                string suffix = $"_l{layer}" + (direction == 1 ? "_reverse" : "");
                int layerInput = layer == 0 ? inputSize : hiddenSize * Directions;
                Tensor Uniform(string name, int[] shape) =>
                    RegisterParameter(name + suffix, Tensor.Rand(shape, generator, low: -bound, high: bound));
                var slots = new List<Tensor>
                {
                    Uniform("weight_ih", [gates * hiddenSize, layerInput]),
                    Uniform("weight_hh", [gates * hiddenSize, hiddenSize]),
                };
                if (bias)
                {
                    slots.Add(Uniform("bias_ih", [gates * hiddenSize]));
                    slots.Add(Uniform("bias_hh", [gates * hiddenSize]));
                }
                _weights[layer * Directions + direction] = [.. slots];
            }
    }

    public int InputSize { get; }
    public int HiddenSize { get; }
    public int NumLayers { get; }
    public bool HasBias { get; }
    public bool BatchFirst { get; }

    /// <summary>Dropout probability on the outputs of every layer but the last (training only).</summary>
    public float Dropout { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions { get; }

    /// <summary>Number of recurrent states: 1 (h) or 2 (h, c).</summary>
    protected abstract int StateCount { get; }

    /// <summary>
    /// One time step. inputGates: x_t·W_ihᵀ + b_ih [N, G·H]; state: the previous states [N, H] each;
    /// weightHhT: W_hhᵀ [H, G·H]; biasHh: [G·H] or null. Returns the new states, h first.
    /// </summary>
    protected abstract Tensor[] Step(Tensor inputGates, Tensor[] state, Tensor weightHhT, Tensor? biasHh);

    /// <summary>The output sequence for an input sequence, starting from zero states.</summary>
    public override Tensor Forward(Tensor input)
    {
        var (output, final) = Run(input, new Tensor?[StateCount]);
        foreach (var t in final) t.Dispose();
        // ONNX export writes the layer as one RNN/LSTM/GRU node (any sequence length), not its unrolled steps.
        GraphCapture.Current?.MarkWholeLayer(this, input, output);
        return output;
    }

    /// <summary>Runs every layer and direction; initial[s] is state s as [L·D, N, H] (or [L·D, H] unbatched) or null for zeros.</summary>
    protected (Tensor Output, Tensor[] Final) Run(Tensor input, Tensor?[] initial)
    {
        string op = GetType().Name.ToLowerInvariant();
        input.ThrowIfDisposed();
        bool unbatched = input.Rank == 2;
        if ((input.Rank != 3 && !unbatched) || input.ShapeArray[^1] != InputSize)
            throw new ArgumentException($"{op}: expected input [T, N, {InputSize}]{(BatchFirst ? " (batch-first: [N, T, " + InputSize + "])" : "")} or [T, {InputSize}], got {input.Shape}");
        var results = DisposeScope.Run(() =>
        {
            var x = unbatched ? input.Unsqueeze(1) : BatchFirst ? input.Transpose(0, 1) : input;   // [T, N, in]
            int batch = x.ShapeArray[1];
            var states = initial.Select(state => state is null ? null : PrepareState(op, state, unbatched, batch)).ToArray();
            var layers = RunLayers(x, states);   // output, then the final states
            if (unbatched) return [.. layers.Select(t => t.Squeeze(1))];
            return [BatchFirst ? layers[0].Transpose(0, 1) : layers[0], .. layers[1..]];
        });
        return (results[0], results[1..]);
    }

    private Tensor PrepareState(string op, Tensor state, bool unbatched, int batch)
    {
        int[] expected = unbatched ? [NumLayers * Directions, HiddenSize] : [NumLayers * Directions, batch, HiddenSize];
        if (!state.ShapeArray.AsSpan().SequenceEqual(expected))
            throw new ArgumentException($"{op}: expected initial state [{string.Join(", ", expected)}], got {state.Shape}");
        return unbatched ? state.Unsqueeze(1) : state;
    }

    /// <summary>Output [T, N, D·H] of the last layer, then each state stacked over layers and directions [L·D, N, H].</summary>
    private Tensor[] RunLayers(Tensor x, Tensor?[] initial) => DisposeScope.Run(() =>
    {
        var finals = new List<Tensor>[StateCount];
        for (int s = 0; s < StateCount; s++) finals[s] = [];
        var layerInput = x;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            var directionOutputs = new Tensor[Directions];
            for (int direction = 0; direction < Directions; direction++)
            {
                int index = layer * Directions + direction;
                var results = RunDirection(layerInput, _weights[index], initial, index, reverse: direction == 1);
                directionOutputs[direction] = results[0];
                for (int s = 0; s < StateCount; s++) finals[s].Add(results[1 + s]);
            }
            var next = Directions == 1 ? directionOutputs[0] : Tensor.Cat(directionOutputs, -1);
            if (layer < NumLayers - 1 && Dropout > 0f && IsTraining) next = next.Dropout(Dropout, IsTraining);
            if (!ReferenceEquals(layerInput, x)) layerInput.Dispose();   // inference keeps two layers' outputs, not L
            layerInput = next;
        }
        return [layerInput, .. finals.Select(list => Tensor.Stack(list, 0))];
    });

    /// <summary>Output [T, N, H] of one layer in one direction, then its final states [N, H].</summary>
    private Tensor[] RunDirection(Tensor x, Tensor[] weights, Tensor?[] initial, int index, bool reverse) => DisposeScope.Run(() =>
    {
        int steps = x.ShapeArray[0], batch = x.ShapeArray[1];
        var weightHhT = weights[1].T;
        Tensor? biasHh = HasBias ? weights[3] : null;
        var inputGates = x.MatMul(weights[0].T);                                    // [T, N, G·H]
        if (HasBias) inputGates += weights[2];
        var state = new Tensor[StateCount];
        for (int s = 0; s < StateCount; s++)
            state[s] = initial[s]?.Select(0, index) ?? Tensor.Zeros([batch, HiddenSize], x.Device);
        var outputs = new Tensor[steps];
        for (int i = 0; i < steps; i++)
        {
            int t = reverse ? steps - 1 - i : i;
            using var gates = inputGates.Select(0, t);
            var next = Step(gates, state, weightHhT, biasHh);
            // h of every step is kept for the output; the other states are dropped once replaced.
            for (int s = 1; s < StateCount; s++) state[s].Dispose();
            state = next;
            outputs[t] = next[0];
        }
        var output = steps == 0 ? Tensor.Zeros([0, batch, HiddenSize], x.Device) : Tensor.Stack(outputs, 0);
        return [output, .. state];
    });

    /// <summary>h·W_hhᵀ + b_hh: [N, G·H].</summary>
    protected static Tensor HiddenGates(Tensor hidden, Tensor weightHhT, Tensor? biasHh) =>
        biasHh is null ? hidden.MatMul(weightHhT) : DisposeScope.Run(() => hidden.MatMul(weightHhT) + biasHh);

    protected override string Describe() =>
        $"{GetType().Name}({InputSize}→{HiddenSize}, layers={NumLayers}{(Directions == 2 ? ", bidirectional" : "")})";
}
