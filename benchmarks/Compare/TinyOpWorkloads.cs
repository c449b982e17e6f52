using static TorchSharp.torch;
using DnTensor = DeepNet.Tensors.Tensor;

namespace DeepNet.Compare;

/// <summary>Per-op overhead: adding two 16-element tensors, without and with autograd.</summary>
public static class TinyOpWorkloads
{
    public static Workload Add() => new("tiny_add",
        () =>
        {
            var a = DnTensor.Ones([16]);
            var b = DnTensor.Ones([16]);
            return new Side(() => a.Add(b).Dispose(), () => { a.Dispose(); b.Dispose(); });
        },
        () =>
        {
            var ta = ones(16);
            var tb = ones(16);
            return new Side(() => { using var c = ta.add(tb); }, () => { ta.Dispose(); tb.Dispose(); });
        });

    /// <summary>(a + b).sum().backward() with both inputs requiring grad, grads cleared each step.</summary>
    public static Workload AddBackward() => new("tiny_add_backward",
        () =>
        {
            var a = DnTensor.Ones([16]).RequiresGradient();
            var b = DnTensor.Ones([16]).RequiresGradient();
            return new Side(() =>
            {
                using (var scope = new DeepNet.Tensors.DisposeScope()) a.Add(b).Sum().Backward();
                a.ZeroGrad();
                b.ZeroGrad();
            }, () => { a.Dispose(); b.Dispose(); });
        },
        () =>
        {
            var ta = ones(16, requires_grad: true);
            var tb = ones(16, requires_grad: true);
            return new Side(() =>
            {
                using (var scope = NewDisposeScope()) ta.add(tb).sum().backward();
                ta.grad?.Dispose(); ta.grad = null;
                tb.grad?.Dispose(); tb.grad = null;
            }, () => { ta.Dispose(); tb.Dispose(); });
        });
}
