using DeepNet.Layers;
using DeepNet.Serialization.Onnx;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>Custom modules: arbitrary forward code on Tensor ops, children called through Forward or Call, frozen parts, masks.</summary>
public sealed class OnnxExportCustomModuleTests
{
    private static Func<int, Tensor> Randn(params int[] rest) =>
        n => Tensor.Randn([n, .. rest], new Generator((ulong)(5000 + n)));

    /// <summary>Functional ops the layers do not cover: slices with steps, stack, where, gather, clamp, pow, reductions.</summary>
    private sealed class Functional : Module
    {
        private readonly Dense _projection;
        private readonly Tensor _scale;
        private readonly Tensor _index;

        public Functional()
        {
            _projection = RegisterModule("projection", new Dense(6, 6, generator: new Generator(1)));
            _scale = RegisterParameter("scale", Tensor.Rand([6], new Generator(2), low: 0.5f, high: 1.5f));
            _index = RegisterBuffer("index", Tensor.FromArray([5f, 0f, 3f, 3f, 1f, 2f], [1, 6]));
        }

        public override Tensor Forward(Tensor x) => DisposeScope.Run(() =>
        {
            var h = _projection.Forward(x) * _scale;                                  // [N, 6]
            var even = h.Slice(1, 0, 6, step: 2);                                      // [N, 3]
            var odd = h.Narrow(1, 1, 5).Slice(1, 0, 5, step: 2);                       // [N, 3]
            var pairs = Tensor.Stack([even, odd.Exp().Clamp(max: 4f)], 2);            // [N, 3, 2]
            var mixed = Tensor.Where(pairs.Gt(0.5f), pairs.Pow(2f), pairs.Abs().Sqrt().Neg());
            var spread = mixed.Var([1, 2], unbiased: true, keepDim: true) + mixed.Min([2]).Sum(1, keepDim: true).Unsqueeze(2);
            var shuffled = h.Gather(1, _index.Expand(h.Shape[0], 6));                 // a constant index, expanded to the batch
            var joined = Tensor.Cat([mixed.Flatten(1), shuffled.Maximum(h).Minimum(h + 1f), spread.Reshape(-1, 1)], 1);
            return joined.Permute(1, 0).LogSoftmax(0).Transpose(0, 1) / 3f - 1f;
        });
    }

    [Fact]
    public void AFunctionalForward_MatchesOnnxRuntime()
    {
        using var model = new Functional();
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(6));
    }

    [Fact]
    public void FrozenLayers_ExportWithTheirWeights()
    {
        using var model = new Sequential(new Dense(4, 4, generator: new Generator(3)), new Relu(), new Dense(4, 2, generator: new Generator(4)));
        model[0].Freeze();
        var bytes = OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(4));
        var names = DeepNet.Serialization.Onnx.Proto.ModelProto.Parser.ParseFrom(bytes).Graph.Initializer.Select(i => i.Name);
        Assert.Contains("0.weight", names);
    }

    /// <summary>A causal decoder-style block: the encoder layer with a causal mask, called through its Forward overload.</summary>
    private sealed class CausalBlock : Module
    {
        private readonly TransformerEncoderLayer _layer = new(8, 2, 16, batchFirst: true, generator: new Generator(5));

        public CausalBlock() => RegisterModule("layer", _layer);

        public override Tensor Forward(Tensor x) => _layer.Forward(x, AttentionMask.Causal(x.Shape[1]), null);
    }

    [Fact]
    public void ACausalMask_MatchesOnnxRuntime()
    {
        using var model = new CausalBlock();
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(5, 8));
    }

    [Fact]
    public void ARecurrentFinalState_MatchesOnnxRuntime()
    {
        using var model = new LastState(new Lstm(3, 4, numLayers: 2, batchFirst: true, generator: new Generator(6)));
        OnnxExportCheck.AgreesWithOnnxRuntime(model, Randn(5, 3));
    }

    /// <summary>h_n and c_n of an LSTM, concatenated: the states, not the output sequence.</summary>
    private sealed class LastState : Module
    {
        private readonly Lstm _lstm;

        public LastState(Lstm lstm) => _lstm = RegisterModule("lstm", lstm);

        public override Tensor Forward(Tensor x) => DisposeScope.Run(() =>
        {
            var (_, h, c) = _lstm.ForwardWithState(x);                                 // [L, N, H] each
            return Tensor.Cat([h, c], 2).Permute(1, 0, 2).Flatten(1);               // [N, L·2H]
        });
    }
}
