using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers;

public class ModuleTests
{
    [Fact]
    public void NamedParameters_UseDottedPyTorchNames()
    {
        using var model = new Sequential(new Dense(3, 4), new Relu(), new BatchNorm1D(4), new Dense(4, 2, bias: false));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "3.weight"], model.NamedParameters().Select(p => p.Name));
        Assert.Equal(["2.running_mean", "2.running_var", "2.num_batches_tracked"], model.NamedBuffers().Select(b => b.Name));
        Assert.Equal(8, model.StateDict().Count);
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.All(model.NamedBuffers(), b => Assert.False(b.Tensor.RequiresGrad));
    }

    [Fact]
    public void Buffers_AreNotParameters_AndTheStateDictHasBothInPyTorchOrder()
    {
        using var model = new Sequential(new Dense(3, 4), new BatchNorm1D(4));
        var norm = (BatchNorm1D)model[1];
        Assert.Equal([norm.RunningMean, norm.RunningVar, norm.NumBatchesTracked], model.Buffers());
        Assert.DoesNotContain(norm.RunningMean, model.Parameters());
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"], model.StateDict().Keys);
        Assert.Same(norm.RunningVar, model.StateDict()["1.running_var"]);
        Assert.Equal(3 * 4 + 4 + 4 + 4, model.ParameterCount);
    }

    [Fact]
    public void MnistCnn_Summary_CountsParametersAsKeras()
    {
        using var model = Models.MnistCnn();
        Assert.Equal(93_322, model.ParameterCount);
        string summary = model.ToString();
        Assert.Contains("Conv2D(1→32, 3x3)", summary);
        Assert.Contains("MaxPool2D(2x2)", summary);
        Assert.Contains("Dense(576→64)", summary);
        Assert.Contains("Total params: 93,322", summary);
        Assert.Matches(@"9\s+Dense\(576→64\)\s+36,928", summary);
    }

    [Fact]
    public void Init_Dense_IsUniformWithinOneOverSqrtFanIn()
    {
        using var layer = new Dense(100, 50, generator: new Generator(3));
        var w = layer.Weight.ToArray();
        float bound = 1f / MathF.Sqrt(100);
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        // A uniform on (−b, b) has standard deviation b/√3; 5000 samples pin it to a few percent.
        double std = Math.Sqrt(w.Select(v => (double)v * v).Average());
        Assert.InRange(std, bound / Math.Sqrt(3) * 0.95, bound / Math.Sqrt(3) * 1.05);
        Assert.All(layer.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
    }

    [Fact]
    public void Init_SameGeneratorSeed_GivesSameWeights()
    {
        using var a = Models.Mlp(5, 4, 3, new Generator(42));
        using var b = Models.Mlp(5, 4, 3, new Generator(42));
        using var c = Models.Mlp(5, 4, 3, new Generator(43));
        Assert.Equal(a.Parameters().SelectMany(p => p.ToArray()), b.Parameters().SelectMany(p => p.ToArray()));
        Assert.NotEqual(a.Parameters().SelectMany(p => p.ToArray()), c.Parameters().SelectMany(p => p.ToArray()));
    }

    [Fact]
    public void TrainEval_ReachesChildren_AndSwitchesDropout()
    {
        using var model = new Sequential(new Dense(4, 4), new Sequential(new Dropout(0.5f)));
        using var x = Tensor.Ones([8, 4]);
        model.Eval();
        Assert.False(model[1].IsTraining);
        Assert.False(((Sequential)model[1])[0].IsTraining);
        using var dropout = new Dropout(0.5f).Eval();
        using (var y = dropout.Forward(x)) Assert.All(y.ToArray(), v => Assert.Equal(1f, v));
        dropout.Train();
        using (var y = dropout.Forward(x))
        {
            var values = y.ToArray();
            Assert.All(values, v => Assert.True(v == 0f || v == 2f, $"dropout value {v}"));
            Assert.Contains(0f, values);
            Assert.Contains(2f, values);
        }
    }

    [Fact]
    public void BatchNorm_TracksRunningStats_InTrainingOnly()
    {
        using var norm = new BatchNorm1D(2);
        using var x = Tensor.FromArray(new float[,] { { 1, 10 }, { 3, 20 }, { 5, 60 } });
        using (norm.Forward(x)) { }
        // running = 0.9·initial + 0.1·batch; batch var is unbiased (n − 1 = 2).
        Assert.Equal([0.3f, 3f], norm.RunningMean.ToArray(), new Tolerance(1e-5f));
        Assert.Equal([0.9f + 0.1f * 4f, 0.9f + 0.1f * 700f], norm.RunningVar.ToArray(), new Tolerance(1e-4f));
        norm.Eval();
        using (var y = norm.Forward(x))
        {
            float expected = (1f - 0.3f) / MathF.Sqrt(1.3f + 1e-5f);
            Assert.Equal(expected, y.ToArray()[0], 5);
        }
        Assert.Equal([0.3f, 3f], norm.RunningMean.ToArray(), new Tolerance(1e-5f));
    }

    [Fact]
    public void BatchNorm_Training_RejectsOneValuePerChannel()
    {
        using var norm = new BatchNorm1D(3);
        using var x = Tensor.Ones([1, 3]);
        var error = Assert.Throws<ArgumentException>(() => norm.Forward(x));
        Assert.Contains("more than 1 value per channel", error.Message);
    }

    [Fact]
    public void LoadStateDict_CopiesValues_AndStrictRejectsMissingAndUnexpectedKeys()
    {
        using var source = Models.Mlp(3, 4, 2, new Generator(1));
        using var target = Models.Mlp(3, 4, 2, new Generator(2));
        target.LoadStateDict(source.StateDict());
        Assert.Equal(source.Parameters().SelectMany(p => p.ToArray()), target.Parameters().SelectMany(p => p.ToArray()));

        var partial = source.StateDict();
        partial.Remove("4.bias");
        partial["extra.weight"] = partial["0.weight"];
        var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(partial));
        Assert.Contains("4.bias", error.Message);
        Assert.Contains("extra.weight", error.Message);
        target.LoadStateDict(partial, strict: false);
    }

    [Fact]
    public void LoadStateDict_ShapeMismatch_NamesTheKey_AndLoadsNothing()
    {
        using var model = Models.Mlp(3, 4, 2, new Generator(1));
        var before = model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        using var other = Models.Mlp(3, 4, 5, new Generator(2));
        var error = Assert.Throws<ArgumentException>(() => model.LoadStateDict(other.StateDict(), strict: false));
        Assert.Contains("'4.weight'", error.Message);
        Assert.Equal(before, model.Parameters().SelectMany(p => p.ToArray()));
    }

    [Fact]
    public void ZeroGrad_ClearsEveryGradient()
    {
        using var model = Models.Mlp(3, 4, 2);
        using (var scope = new DisposeScope())
            model.Forward(Tensor.Ones([2, 3])).Sum().Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    /// <summary>Absolute tolerance comparer for float sequences.</summary>
    private sealed class Tolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
