using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>Gradchecks, shapes, state handling and memory of <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/>.</summary>
public sealed class RecurrentTests
{
    private const int Steps = 3, Batch = 2, InputSize = 2, Hidden = 3;

    public static TheoryData<string> Kinds => ["rnn", "lstm", "gru"];

    private static RecurrentLayer Make(string kind, int layers = 1, bool batchFirst = false, bool bidirectional = false, float dropout = 0f) => kind switch
    {
        "rnn" => new Rnn(InputSize, Hidden, layers, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: new Generator(7)),
        "lstm" => new Lstm(InputSize, Hidden, layers, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: new Generator(7)),
        _ => new Gru(InputSize, Hidden, layers, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: new Generator(7)),
    };

    /// <summary>Output and every final state concatenated along dim 0 after flattening, so one projection covers all.</summary>
    private static Tensor RunAll(RecurrentLayer layer, Tensor x, Tensor? h0, Tensor? c0)
    {
        Tensor[] parts = layer switch
        {
            Lstm lstm => [.. Unpack(lstm.ForwardWithState(x, h0, c0))],
            Rnn rnn => [.. Unpack(rnn.ForwardWithState(x, h0))],
            Gru gru => [.. Unpack(gru.ForwardWithState(x, h0))],
            _ => throw new ArgumentException(layer.GetType().Name),
        };
        return Tensor.Cat(parts.Select(p => p.Reshape(-1)), 0);
    }

    private static IEnumerable<Tensor> Unpack((Tensor A, Tensor B) t) => [t.A, t.B];
    private static IEnumerable<Tensor> Unpack((Tensor A, Tensor B, Tensor C) t) => [t.A, t.B, t.C];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Backward_MatchesFiniteDifferences_ForInputStatesAndParameters(string kind)
    {
        using var layer = Make(kind, bidirectional: true);
        var parameters = layer.Parameters().ToArray();
        int stateCount = kind == "lstm" ? 2 : 1;
        var inputs = new List<(float[] Data, int[] Shape)> { RandomData.Uniform(1, [Steps, Batch, InputSize]) };
        for (int s = 0; s < stateCount; s++) inputs.Add(RandomData.Uniform(2 + s, [2, Batch, Hidden]));
        inputs.AddRange(parameters.Select(p => (p.ToArray(), p.Shape.ToArray())));
        // The module's own parameters are the check's last inputs, so their gradients are the module's;
        // first with the layer in Float64 (the tight check), then back in Float32 (values survive exactly).
        foreach (var dtype in new[] { DType.Float64, DType.Float32 })
        {
            layer.To(dtype);
            GradCheck.Check(t => RunAll(layer, t[0], t[1], stateCount == 2 ? t[2] : null), Device.Cpu, parameters, [.. inputs]);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_HasPyTorchShapesAndParameterNames(string kind)
    {
        using var scope = new DisposeScope();
        using var layer = Make(kind, layers: 2, batchFirst: true, bidirectional: true);
        int gates = kind switch { "lstm" => 4, "gru" => 3, _ => 1 };
        var parameters = layer.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor.Shape.ToArray());
        Assert.Equal(16, parameters.Count);
        Assert.Equal([gates * Hidden, InputSize], parameters["weight_ih_l0"]);
        Assert.Equal([gates * Hidden, 2 * Hidden], parameters["weight_ih_l1_reverse"]);
        Assert.Equal([gates * Hidden, Hidden], parameters["weight_hh_l1"]);
        Assert.Equal([gates * Hidden], parameters["bias_hh_l0_reverse"]);
        float bound = 1f / MathF.Sqrt(Hidden);
        Assert.All(layer.Parameters().SelectMany(p => p.ToArray()), v => Assert.InRange(v, -bound, bound));

        var x = Tensor.Randn([Batch, 5, InputSize], new Generator(3));
        var output = layer.Forward(x);
        Assert.Equal([Batch, 5, 2 * Hidden], output.Shape.ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_UnbatchedInputMatchesBatchOfOne(string kind)
    {
        using var scope = new DisposeScope();
        using var layer = Make(kind, layers: 2, bidirectional: true);
        var x = Tensor.Randn([4, InputSize], new Generator(5));
        var h0 = Tensor.Randn([4, Hidden], new Generator(6));
        var c0 = kind == "lstm" ? Tensor.Randn([4, Hidden], new Generator(8)) : null;
        var unbatched = RunAll(layer, x, h0, c0);
        var batched = RunAll(layer, x.Unsqueeze(1), h0.Unsqueeze(1), c0?.Unsqueeze(1));
        float[] expected = batched.ToArray(), actual = unbatched.ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_LongSequenceKeepsNoTemporariesAlive(string kind)
    {
        // The tensors left alive in a scope after forward + backward must not grow with the length.
        using var layer = Make(kind, layers: 2, bidirectional: true);
        Assert.Equal(AliveAfterTraining(layer, 4), AliveAfterTraining(layer, 64));
    }

    private static int AliveAfterTraining(RecurrentLayer layer, int steps)
    {
        using var scope = new DisposeScope();
        var x = Tensor.Randn([steps, Batch, InputSize], new Generator(9)).RequiresGradient();
        var output = layer.Forward(x);
        output.Sum().Backward();
        layer.ZeroGrad();
        return scope.Count;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Forward_RejectsWrongFeatureSizeAndStateShape(string kind)
    {
        using var scope = new DisposeScope();
        using var layer = Make(kind);
        var wrongFeatures = Tensor.Zeros([Steps, Batch, InputSize + 1]);
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(wrongFeatures));
        Assert.Contains("[3,2,3]", error.Message);

        var x = Tensor.Zeros([Steps, Batch, InputSize]);
        var wrongState = Tensor.Zeros([1, Batch + 1, Hidden]);
        error = Assert.Throws<ArgumentException>(() => RunAll(layer, x, wrongState, kind == "lstm" ? wrongState : null));
        Assert.Contains("initial state", error.Message);
    }

    [Fact]
    public void Forward_DropoutBetweenLayersOnlyWhenTraining()
    {
        using var scope = new DisposeScope();
        using var layer = Make("lstm", layers: 2, dropout: 0.5f);
        var x = Tensor.Randn([Steps, Batch, InputSize], new Generator(4));
        layer.Eval();
        var first = layer.Forward(x).ToArray();
        Assert.Equal(first, layer.Forward(x).ToArray());
        layer.Train();
        Assert.NotEqual(first, layer.Forward(x).ToArray());
    }
}
