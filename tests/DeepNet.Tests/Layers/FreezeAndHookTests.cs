using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>Freezing (torch's requires_grad_(False)), the trainable view, and forward hooks / pre-hooks.</summary>
public class FreezeAndHookTests
{
    [Fact]
    public void Freeze_KeepsParametersListed_ButLeavesThemOutOfTrainableParameters_AndOptimizersSkipThem()
    {
        using var scope = new DisposeScope();
        using var first = new Dense(2, 3, generator: new Generator(1));
        using var second = new Dense(3, 1, generator: new Generator(2));
        using var model = new Sequential(first, second);
        first.Freeze();
        Assert.Equal(4, model.Parameters().Count());                 // as torch's parameters()
        Assert.Equal(2, model.TrainableParameters().Count());
        Assert.Equal(["1.weight", "1.bias"], model.NamedTrainableParameters().Select(p => p.Name));
        using var sgd = new Sgd(model.Parameters(), learningRate: 0.1);
        float[] frozenBefore = first.Weight.ToArray(), liveBefore = second.Weight.ToArray();
        model.Forward(Tensor.Ones([4, 2])).Sum().Backward();
        Assert.Null(first.Weight.Grad);
        sgd.Step();
        Assert.Equal(frozenBefore, first.Weight.ToArray());
        Assert.NotEqual(liveBefore, second.Weight.ToArray());
        first.Unfreeze();
        Assert.Equal(4, model.TrainableParameters().Count());
    }

    [Fact]
    public void ForwardHook_SeesInputAndOutput_OfChildrenInASequential_AndItsHandleRemovesIt()
    {
        using var scope = new DisposeScope();
        using var model = new Sequential(new Dense(2, 3, generator: new Generator(3)), new Relu());
        var seen = new List<int[]>();
        var handle = model[0].RegisterForwardHook((module, input, output) =>
        {
            seen.Add(output.Shape.ToArray());
            return null;
        });
        model.Forward(Tensor.Ones([5, 2]));
        Assert.Equal([5, 3], Assert.Single(seen));
        handle.Dispose();
        model.Forward(Tensor.Ones([5, 2]));
        Assert.Single(seen);
    }

    [Fact]
    public void Hooks_CanReplaceInputAndOutput()
    {
        using var scope = new DisposeScope();
        using var relu = new Relu();
        using var pre = relu.RegisterForwardPreHook((_, input) => input * 2f);
        using var post = relu.RegisterForwardHook((_, _, output) => output + 1f);
        Assert.Equal([1f, 7f], relu.Call(Tensor.FromArray([-1f, 3f])).ToArray());
        Assert.Equal([0f, 3f], relu.Forward(Tensor.FromArray([-1f, 3f])).ToArray());   // Forward alone runs no hooks
    }
}
