using DeepNet.Layers;
using DeepNet.Optimizers;
using DnTensor = DeepNet.Tensors.Tensor;
using DeepNet.Layers.Losses;

namespace DeepNet.Compare;

/// <summary>DeepNet's side of a training-step workload: one step inside its own dispose scope.</summary>
public static class DeepNetStep
{
    public static Action Training(Module model, Loss loss, Optimizer optimizer, DnTensor x, DnTensor y) => () =>
    {
        using var scope = new DeepNet.Tensors.DisposeScope();
        optimizer.ZeroGrad();
        loss.Forward(model.Forward(x), y).Backward();
        optimizer.Step();
    };
}
