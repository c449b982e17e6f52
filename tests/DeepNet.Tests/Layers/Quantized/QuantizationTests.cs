using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Quantized;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers.Quantized;

/// <summary>
/// Quantization.Quantize on an MLP and an MNIST-CNN-shaped model: the int8 model agrees with the
/// float one within a stated tolerance on smooth, image-like inputs; layers are swapped in
/// Sequentials and nested composites; other layers stay float.
/// </summary>
public class QuantizationTests
{
    // int8 weights (≤ 0.4% of each channel's max) and uint8 activations (≤ 0.2% of the range) per
    // layer: outputs stay within this fraction of the float outputs' spread.
    private const float RelativeTolerance = 0.05f;

    private static Tensor Images(int n, int seed)
    {
        // Smooth blobs on a dark background in [0, 1], like normalized digits.
        var rng = new Random(seed);
        var data = new float[n * 28 * 28];
        for (int i = 0; i < n; i++)
            for (int blob = 0; blob < 3; blob++)
            {
                double cy = 6 + rng.NextDouble() * 16, cx = 6 + rng.NextDouble() * 16, r = 2 + rng.NextDouble() * 3;
                for (int y = 0; y < 28; y++)
                    for (int x = 0; x < 28; x++)
                    {
                        double d2 = ((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (r * r);
                        ref float v = ref data[i * 784 + y * 28 + x];
                        v = Math.Min(1f, v + (float)Math.Exp(-d2));
                    }
            }
        return Tensor.FromArray(data, [n, 1, 28, 28]);
    }

    private static Sequential MnistCnn(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(
            new Conv2D(1, 16, kernelSize: 3, generator: g), new Relu(), new MaxPool2D(2),
            new Conv2D(16, 32, kernelSize: 3, generator: g, activation: Activation.Relu), new MaxPool2D(2),
            new Conv2D(32, 32, kernelSize: 3, generator: g), new Relu(),
            new Flatten(),
            new Dense(32 * 3 * 3, 64, generator: g), new Relu(),
            new Dense(64, 10, generator: g));
    }

    private static Sequential Mlp(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Flatten(), new Dense(784, 128, generator: g, activation: Activation.Relu),
            new Dense(128, 64, generator: g), new Relu(), new Dense(64, 10, generator: g));
    }

    private static float[] Run(Module model, Tensor x)
    {
        using var noGrad = GradMode.NoGrad();
        using var y = model.Call(x);
        return y.ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        float spread = expected.Max() - expected.Min(), worst = 0f;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= RelativeTolerance * spread, $"{what}: worst difference {worst} exceeds {RelativeTolerance} of the output spread {spread}");
    }

    private static float ArgMaxAgreement(float[] a, float[] b, int classes)
    {
        int rows = a.Length / classes, same = 0;
        for (int r = 0; r < rows; r++)
        {
            var ra = a.AsSpan(r * classes, classes);
            var rb = b.AsSpan(r * classes, classes);
            if (ra.IndexOf(ra.ToArray().Max()) == rb.IndexOf(rb.ToArray().Max())) same++;
        }
        return (float)same / rows;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Quantize_MnistCnn_AgreesWithTheFloatModel(bool dynamic)
    {
        using var model = MnistCnn(1);
        model.Eval();
        using var calibration = Images(64, 2);
        using var test = Images(64, 3);
        var expected = Run(model, test);
        Quantization.Quantize(model, [calibration], new QuantizationOptions { Dynamic = dynamic });
        Assert.IsType<QuantizedConv2D>(model[0]);
        Assert.IsType<QuantizedConv2D>(model[3]);
        Assert.IsType<QuantizedDense>(model[8]);
        Assert.IsType<MaxPool2D>(model[2]);
        Assert.IsType<Identity>(model[1]);   // the Relu after conv 0 runs in its output pass
        Assert.Equal(Activation.Relu, ((QuantizedConv2D)model[0]).Activation);
        var actual = Run(model, test);
        AssertClose(expected, actual, $"mnist cnn (dynamic {dynamic})");
        Assert.True(ArgMaxAgreement(expected, actual, 10) >= 0.95f);
    }

    [Fact]
    public void Quantize_Mlp_AgreesWithTheFloatModel_AndKeepsTheActivation()
    {
        using var model = Mlp(4);
        model.Eval();
        using var calibration = Images(32, 5);
        using var test = Images(48, 6);
        var expected = Run(model, test);
        Quantization.Quantize(model, [calibration]);
        var first = Assert.IsType<QuantizedDense>(model[1]);
        Assert.Equal(Activation.Relu, first.Activation);
        Assert.NotNull(first.InputParams);
        AssertClose(expected, Run(model, test), "mlp");
    }

    [Fact]
    public void Quantize_SwapsTheDenseLayersInsideATransformerEncoderLayer()
    {
        var g = new Generator(7);
        using var model = new Sequential(new TransformerEncoderLayer(32, 4, 64, dropout: 0f, batchFirst: true, generator: g));
        model.Eval();
        using var x = Tensor.Randn([4, 6, 32], new Generator(8));
        var expected = Run(model, x);
        Quantization.Quantize(model, [x]);
        var layer = model[0];
        var children = layer.NamedChildren().ToDictionary(c => c.Name, c => c.Module);
        Assert.IsType<QuantizedDense>(children["linear1"]);
        Assert.IsType<QuantizedDense>(children["linear2"]);
        Assert.IsType<QuantizedDense>(children["self_attn"].NamedChildren().Single(c => c.Name == "out_proj").Module);
        Assert.IsType<LayerNorm>(children["norm1"]);
        // The block's feed-forward ReLU moved into linear1's int8 epilogue.
        Assert.Equal(Activation.Relu, ((QuantizedDense)children["linear1"]).Activation);
        AssertClose(expected, Run(model, x), "transformer encoder layer");
    }

    [Fact]
    public void Quantize_TransformerFeedForwardRelu_FusedOrNot_GivesTheSameOutput()
    {
        Sequential Build() => new(new TransformerEncoderLayer(32, 4, 64, dropout: 0f, batchFirst: true, generator: new Generator(17)));
        using var x = Tensor.Randn([2, 7, 32], new Generator(18));
        using var fused = Build();
        using var separate = Build();
        Quantization.Quantize(fused, [x]);
        Quantization.Quantize(separate, [x], new QuantizationOptions { FuseRelu = false });
        Assert.Equal(Activation.Identity, ((QuantizedDense)separate[0].NamedChildren().Single(c => c.Name == "linear1").Module).Activation);
        // max(0, ·) in the epilogue or as its own pass: the same floats.
        Assert.Equal(Run(separate, x), Run(fused, x));
    }

    [Fact]
    public void Quantize_GeluFeedForward_StaysASeparatePass()
    {
        using var model = new Sequential(new TransformerEncoderLayer(32, 4, 64, dropout: 0f, activation: Activation.Gelu, batchFirst: true,
            generator: new Generator(19)));
        model.Eval();
        using var x = Tensor.Randn([2, 5, 32], new Generator(20));
        var expected = Run(model, x);
        Quantization.Quantize(model, [x]);
        Assert.Equal(Activation.Identity, ((QuantizedDense)model[0].NamedChildren().Single(c => c.Name == "linear1").Module).Activation);
        AssertClose(expected, Run(model, x), "gelu transformer encoder layer");
    }

    [Fact]
    public void QuantizedInProjection_CrossAttention_IsCloseToFloat_WithSharedOrSeparateKeyAndValue()
    {
        using var attention = new MultiHeadAttention(16, 2, batchFirst: true, generator: new Generator(24));
        attention.Eval();
        using var q = Tensor.Randn([2, 3, 16], new Generator(25));
        using var kv = Tensor.Randn([2, 5, 16], new Generator(26));
        using var v = Tensor.Randn([2, 5, 16], new Generator(27));
        using var noGrad = GradMode.NoGrad();
        float[] Cross(Tensor key, Tensor value)
        {
            using var y = attention.Forward(q, key, value);
            return y.ToArray();
        }
        var sharedFloat = Cross(kv, kv);
        var separateFloat = Cross(kv, v);
        attention.QuantizeInProjection(null);   // dynamic activations
        AssertClose(sharedFloat, Cross(kv, kv), "cross-attention, key = value");
        AssertClose(separateFloat, Cross(kv, v), "cross-attention, separate value");
    }

    [Fact]
    public void Quantize_AttentionProjections_MakesTheInProjectionInt8_AndTheFileRoundTrips()
    {
        Sequential Build() => new(new TransformerEncoderLayer(32, 4, 64, dropout: 0f, batchFirst: true, generator: new Generator(21)));
        using var model = Build();
        model.Eval();
        using var x = Tensor.Randn([3, 5, 32], new Generator(22));
        var expected = Run(model, x);
        var options = new QuantizationOptions { AttentionProjections = true };
        Quantization.Quantize(model, [x], options);
        // The float parameter became the Int8 codes buffer (with its Float32 scales).
        var inProj = model.StateDict().Single(kv => kv.Key.EndsWith("in_proj_weight", StringComparison.Ordinal)).Value;
        Assert.Equal(DType.Int8, inProj.DType);
        Assert.Equal([96, 32], inProj.Shape.ToArray());
        Assert.Equal(DType.Float32, model.StateDict().Single(kv => kv.Key.EndsWith("in_proj_weight_scale", StringComparison.Ordinal)).Value.DType);
        Assert.Contains(model.StateDict().Keys, k => k.EndsWith("in_proj_bias", StringComparison.Ordinal));
        var actual = Run(model, x);
        AssertClose(expected, actual, "transformer with int8 in-projection");
        Assert.Throws<InvalidOperationException>(() => model.Parameters());
        string path = Path.Combine(Path.GetTempPath(), $"deepnet-int8-mha-{Guid.NewGuid():N}.safetensors");
        try
        {
            DeepNet.Serialization.ModuleFiles.Save(model, path);
            using var other = Build();
            using var y = Tensor.Randn([3, 5, 32], new Generator(23));   // other calibration: the file must overwrite it
            Quantization.Quantize(other, [y], options);
            DeepNet.Serialization.ModuleFiles.Load(other, path);
            Assert.Equal(actual, Run(other, x));
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".sha256");
        }
    }

    [Fact]
    public void Quantize_AttentionProducts_RunScoresAndWeightsInInt8_UnlessTurnedOff()
    {
        TransformerEncoderLayer Build() => new(32, 4, 64, dropout: 0f, batchFirst: true, generator: new Generator(31));
        using var model = new Sequential(Build());
        using var floatProducts = new Sequential(Build());
        model.Eval();
        using var x = Tensor.Randn([3, 6, 32], new Generator(32));
        using var padded = Tensor.FromArray([false, false, false, false, true, true, false, false, false, false, false, false,
            false, false, false, true, true, true], [3, 6]);
        float[] Masked(Sequential m)
        {
            using var noGrad = GradMode.NoGrad();
            using var y = ((TransformerEncoderLayer)m[0]).Forward(x, null, AttentionMask.Blocked(padded));
            return y.ToArray();
        }
        var expected = Run(model, x);
        var expectedMasked = Masked(model);
        Quantization.Quantize(model, [x], new QuantizationOptions { AttentionProjections = true });
        Quantization.Quantize(floatProducts, [x], new QuantizationOptions { AttentionProjections = true, AttentionProducts = false });
        Assert.True(((TransformerEncoderLayer)model[0]).SelfAttention.Int8Products);
        Assert.False(((TransformerEncoderLayer)floatProducts[0]).SelfAttention.Int8Products);
        var int8 = Run(model, x);
        AssertClose(expected, int8, "int8 attention products");
        AssertClose(expected, Run(floatProducts, x), "float attention products");
        Assert.NotEqual(int8, Run(floatProducts, x));
        AssertClose(expectedMasked, Masked(model), "int8 attention products with a key padding mask");
    }

    [Fact]
    public void Quantize_Include_LeavesUnselectedLayersFloat()
    {
        using var model = Mlp(9);
        using var calibration = Images(8, 10);
        Quantization.Quantize(model, [calibration], new QuantizationOptions { Include = (path, _) => path != "4" });
        Assert.IsType<QuantizedDense>(model[1]);
        Assert.IsType<Dense>(model[4]);
    }

    [Fact]
    public void Quantize_WithoutFusion_KeepsTheReluLayers()
    {
        using var model = MnistCnn(12);
        using var calibration = Images(4, 13);
        Quantization.Quantize(model, [calibration], new QuantizationOptions { FuseRelu = false });
        Assert.IsType<Relu>(model[1]);
        Assert.Equal(Activation.Identity, ((QuantizedConv2D)model[0]).Activation);
    }

    [Fact]
    public void Quantize_LeavesGroupedConvolutionsFloat()
    {
        using var model = new Sequential(new Conv2D(4, 4, 3, groups: 2), new Conv2D(4, 2, 1));
        using var x = Tensor.Rand([2, 4, 6, 6]);
        Quantization.Quantize(model, [x]);
        Assert.IsType<Conv2D>(model[0]);
        Assert.IsType<QuantizedConv2D>(model[1]);
    }
}
