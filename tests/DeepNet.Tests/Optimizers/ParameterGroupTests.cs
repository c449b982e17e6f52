using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Optimizers;

/// <summary>Parameter groups (torch.optim param_groups): per-group learning rate and weight decay, schedules, state round trip.</summary>
public class ParameterGroupTests
{
    [Fact]
    public void Sgd_UsesEachGroupsLearningRateAndWeightDecay()
    {
        using var scope = new DisposeScope();
        var a = Tensor.Ones([2]).RequiresGradient();
        var b = Tensor.Ones([2]).RequiresGradient();
        using var sgd = new Sgd([new ParameterGroup([a], learningRate: 0.5, weightDecay: 1), new ParameterGroup([b])], learningRate: 0.1);
        (a.Sum() + b.Sum()).Backward();
        sgd.Step();
        Assert.Equal([0f, 0f], a.ToArray());          // 1 − 0.5·(1 + 1·1)
        Assert.Equal([0.9f, 0.9f], b.ToArray());      // 1 − 0.1·1
        Assert.Equal(0.5, sgd.LearningRateOf(sgd.States[0]), 12);
        sgd.LearningRate = 0.05;                      // a schedule halves every group, as torch's schedulers do
        Assert.Equal(0.25, sgd.LearningRateOf(sgd.States[0]), 12);
        Assert.Equal(["0", "1"], sgd.States.Select(s => s.Name));
    }

    [Fact]
    public void Adam_WithGroups_MatchesTwoSeparateOptimizers_AndItsStateRoundTrips()
    {
        using var scope = new DisposeScope();
        using var head = new Dense(3, 2, generator: new Generator(1));
        using var body = new Dense(3, 3, generator: new Generator(2));
        using var headCopy = new Dense(3, 2, generator: new Generator(1));
        using var bodyCopy = new Dense(3, 3, generator: new Generator(2));
        using var grouped = new AdamW([new ParameterGroup(body.Parameters(), learningRate: 1e-2, weightDecay: 0),
            new ParameterGroup(head.Parameters())], learningRate: 1e-3);
        using var forBody = new AdamW(bodyCopy.Parameters(), learningRate: 1e-2, weightDecay: 0);
        using var forHead = new AdamW(headCopy.Parameters(), learningRate: 1e-3);
        var x = Tensor.Randn([4, 3], new Generator(3));
        for (int step = 0; step < 3; step++)
        {
            grouped.ZeroGrad(); forBody.ZeroGrad(); forHead.ZeroGrad();
            head.Forward(body.Forward(x)).Pow(2f).Sum().Backward();
            headCopy.Forward(bodyCopy.Forward(x)).Pow(2f).Sum().Backward();
            grouped.Step(); forBody.Step(); forHead.Step();
        }
        Assert.Equal(bodyCopy.Weight.ToArray(), body.Weight.ToArray());
        Assert.Equal(headCopy.Weight.ToArray(), head.Weight.ToArray());
        var saved = grouped.StateDict();
        using var reloaded = new AdamW([new ParameterGroup(body.Parameters(), learningRate: 1e-2, weightDecay: 0),
            new ParameterGroup(head.Parameters())], learningRate: 1e-3);
        reloaded.LoadStateDict(saved);
        Assert.Equal(3, reloaded.StepCount);
        Assert.Equal(1e-2, reloaded.LearningRateOf(reloaded.States[0]), 12);
    }

    [Fact]
    public void Groups_RefuseBadHyperParameters_NamingTheGroup()
    {
        using var p = Tensor.Ones([1]).RequiresGradient();
        var error = Assert.Throws<ArgumentException>(() => new Sgd([new ParameterGroup([p], learningRate: -1)], 0.1));
        Assert.Contains("group 0", error.Message);
        Assert.Throws<ArgumentException>(() => new Sgd([new ParameterGroup([p], weightDecay: -1)], 0.1));
    }
}
