using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;
using DeepNet.Serialization;

namespace DeepNet.Tests.Optimizers;

/// <summary>StateDict/LoadStateDict: resuming is exact, and bad state is refused before anything changes.</summary>
public sealed class OptimizerStateTests
{
    [Theory]
    [InlineData("sgd_nesterov")]
    [InlineData("adam_amsgrad_weight_decay")]
    [InlineData("adamw")]
    [InlineData("rmsprop_centered_momentum")]
    public void StateDict_ThroughACheckpointFile_ResumesToIdenticalValues(string configuration)
    {
        using var straight = new QuadraticProblem();
        using (var optimizer = OptimizerFixtureTests.Create(configuration, straight.NamedParameters))
        {
            for (int k = 0; k < 5; k++)
                straight.Step(optimizer);
        }

        using var resumed = new QuadraticProblem();
        string path = Path.Combine(Path.GetTempPath(), $"deepnet-optim-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var first = OptimizerFixtureTests.Create(configuration, resumed.NamedParameters))
            {
                for (int k = 0; k < 3; k++)
                    resumed.Step(first);
                first.StateDict().ToCheckpoint().Save(path);
            }

            using var second = OptimizerFixtureTests.Create(configuration, resumed.NamedParameters);
            second.LoadStateDict(OptimizerState.FromCheckpoint(Checkpoint.Load(path)));
            Assert.Equal(3, second.StepCount);
            for (int k = 0; k < 2; k++)
                resumed.Step(second);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Equal(straight.Vector.ToArray(), resumed.Vector.ToArray());
        Assert.Equal(straight.Matrix.ToArray(), resumed.Matrix.ToArray());
    }

    [Fact]
    public void StateDict_NamesArraysByParameterAndSlot()
    {
        using var problem = new QuadraticProblem();
        using var optimizer = new Adam(problem.NamedParameters, 0.1, amsgrad: true);
        problem.Step(optimizer);
        OptimizerState state = optimizer.StateDict();
        Assert.Equal(
            ["matrix.exp_avg", "matrix.exp_avg_sq", "matrix.max_exp_avg_sq", "vector.exp_avg", "vector.exp_avg_sq", "vector.max_exp_avg_sq"],
            state.Arrays.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1, state.ParameterSteps["vector"]);
        Assert.Equal([2, 3], state.Arrays.Single(a => a.Name == "matrix.exp_avg").Shape);
    }

    [Fact]
    public void LoadStateDict_RejectsUnknownNamesShapesAndMissingSlots_WithoutChangingState()
    {
        using var problem = new QuadraticProblem();
        using var optimizer = new Adam(problem.NamedParameters, 0.1);
        problem.Step(optimizer);
        OptimizerState good = optimizer.StateDict();
        float[] before = optimizer.States[0].Slots["exp_avg"].ToArray();

        AssertRejected(optimizer, good with { Arrays = [.. good.Arrays.Select(a => a.Name == "vector.exp_avg" ? a with { Name = "vector.momentum" } : a)] }, "vector.momentum");
        AssertRejected(optimizer, good with { Arrays = [.. good.Arrays.Select(a => a.Name == "matrix.exp_avg" ? a with { Shape = [3, 2] } : a)] }, "[3, 2]");
        AssertRejected(optimizer, good with { Arrays = [.. good.Arrays.Where(a => a.Name != "vector.exp_avg_sq")] }, "vector.exp_avg_sq");
        AssertRejected(optimizer, good with { ParameterSteps = new Dictionary<string, long>(good.ParameterSteps) { ["bias"] = 1 } }, "bias");

        Assert.Equal(before, optimizer.States[0].Slots["exp_avg"].ToArray());
    }

    [Fact]
    public void Step_SkipsParametersWithoutGradients()
    {
        using var used = Tensor.Ones([2]).RequiresGradient();
        using var unused = Tensor.Ones([2]).RequiresGradient();
        using var optimizer = new Adam([used, unused], 0.1);
        used.Grad = Tensor.Ones([2]).DetachFromScope();
        optimizer.Step();
        Assert.Equal(0.9f, used.ToArray()[0], 1e-6f);
        Assert.Equal([1f, 1f], unused.ToArray());
        Assert.Equal(0, optimizer.States[1].Step);
        Assert.Empty(optimizer.States[1].Slots);
    }

    [Fact]
    public void Constructors_RejectBadHyperparameters()
    {
        using var p = Tensor.Ones([2]).RequiresGradient();
        Assert.Throws<ArgumentException>(() => new Sgd([p], 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Sgd([p], -1));
        Assert.Throws<ArgumentException>(() => new Adam([p], 0.1, beta1: 1.0));
        Assert.Throws<ArgumentException>(() => new RmsProp([p], 0.1, eps: -1));
        Assert.Throws<ArgumentException>(() => new Sgd([p, p], 0.1).StepCount.ToString());
    }

    private static void AssertRejected(Optimizer optimizer, OptimizerState state, string mentioned)
    {
        var error = Assert.Throws<ArgumentException>(() => optimizer.LoadStateDict(state));
        Assert.Contains(mentioned, error.Message);
    }
}
