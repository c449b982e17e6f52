using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>torch.nn.init semantics: gains, fans, the bounds and spreads of each initializer, orthogonality.</summary>
public class InitTests
{
    [Fact]
    public void Gain_AndFans_MatchTorch()
    {
        Assert.Equal(5.0 / 3.0, Init.Gain(Nonlinearity.Tanh));
        Assert.Equal(Math.Sqrt(2), Init.Gain(Nonlinearity.Relu));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.2 * 0.2)), Init.Gain(Nonlinearity.LeakyRelu, 0.2));
        Assert.Equal((3 * 5 * 5, 8 * 5 * 5), Init.Fans([8, 3, 5, 5]));
        Assert.Throws<ArgumentException>(() => Init.Fans([4]));
    }

    [Fact]
    public void XavierAndKaiming_Uniform_StayInTheirBounds_AndFillTheRange()
    {
        using var w = Tensor.Zeros([200, 100]);
        AssertSpread(Init.XavierUniform(w, gain: 2, generator: new Generator(1)), bound: 2 * Math.Sqrt(6.0 / 300));
        AssertSpread(Init.KaimingUniform(w, generator: new Generator(2)), bound: Math.Sqrt(2) * Math.Sqrt(3.0 / 100));
        AssertSpread(Init.KaimingUniform(w, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: new Generator(3)),
            bound: Math.Sqrt(2) * Math.Sqrt(3.0 / 200));
    }

    [Fact]
    public void XavierAndKaiming_Normal_HaveTheirStandardDeviations()
    {
        using var w = Tensor.Zeros([300, 200]);
        Assert.Equal(Math.Sqrt(2.0 / 500), Std(Init.XavierNormal(w, generator: new Generator(4))), 3);
        Assert.Equal(Math.Sqrt(2.0 / 300), Std(Init.KaimingNormal(w, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: new Generator(5))), 3);
    }

    [Fact]
    public void Orthogonal_GivesOrthonormalRows_ForWideMatrices_AndColumns_ForTall()
    {
        foreach (int[] shape in new[] { new[] { 3, 7 }, new[] { 7, 3 } })
        {
            using var w = Init.Orthogonal(Tensor.Zeros(shape), gain: 2, generator: new Generator(6));
            using var gram = shape[0] < shape[1] ? w.MatMul(w.T) : w.T.MatMul(w);
            int n = Math.Min(shape[0], shape[1]);
            float[] g = gram.ToArray();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) Assert.Equal(i == j ? 4f : 0f, g[i * n + j], 4);
        }
    }

    [Fact]
    public void ConstantInits_AndLayerArguments_Fill()
    {
        using var dense = new Dense(3, 2, weightInit: w => Init.Constant(w, 0.5f), biasInit: b => Init.Zeros(b));
        Assert.All(dense.Weight.ToArray(), v => Assert.Equal(0.5f, v));
        Assert.All(dense.Bias!.ToArray(), v => Assert.Equal(0f, v));
        Assert.True(dense.Weight.RequiresGrad);
        using var conv = new Conv2D(2, 4, 3, weightInit: w => Init.Ones(w));
        Assert.All(conv.Weight.ToArray(), v => Assert.Equal(1f, v));
    }

    private static void AssertSpread(Tensor t, double bound)
    {
        float[] v = t.ToArray();
        Assert.True(v.Max() <= bound && v.Min() >= -bound, $"values outside ±{bound}: [{v.Min()}, {v.Max()}]");
        Assert.True(v.Max() > 0.95 * bound && v.Min() < -0.95 * bound, $"values do not reach ±{bound}: [{v.Min()}, {v.Max()}]");
    }

    private static double Std(Tensor t)
    {
        float[] v = t.ToArray();
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }
}
