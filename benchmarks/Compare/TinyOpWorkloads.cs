using static TorchSharp.torch;
using DnTensor = DeepNet.Tensors.Tensor;

namespace DeepNet.Compare;

/// <summary>Per-op overhead: adding two 16-element tensors, without and with autograd.</summary>
public static class TinyOpWorkloads
{
    public static Workload Add()
    {
        var a = DnTensor.Ones([16]);
        var b = DnTensor.Ones([16]);
        var ta = ones(16);
        var tb = ones(16);
        return new Workload("tiny_add",
            () => a.Add(b).Dispose(),
            () => { using var c = ta.add(tb); },
            () => { a.Dispose(); b.Dispose(); ta.Dispose(); tb.Dispose(); });
    }

    /// <summary>(a + b).sum().backward() with both inputs requiring grad, grads cleared each step.</summary>
    public static Workload AddBackward()
    {
        var a = DnTensor.Ones([16]).RequiresGradient();
        var b = DnTensor.Ones([16]).RequiresGradient();
        var ta = ones(16, requires_grad: true);
        var tb = ones(16, requires_grad: true);
        return new Workload("tiny_add_backward",
            () =>
            {
                using (var scope = new DeepNet.Tensors.DisposeScope()) a.Add(b).Sum().Backward();
                a.ZeroGrad();
                b.ZeroGrad();
            },
            () =>
            {
                using (var scope = NewDisposeScope()) ta.add(tb).sum().backward();
                ta.grad?.Dispose(); ta.grad = null;
                tb.grad?.Dispose(); tb.grad = null;
            },
            () => { a.Dispose(); b.Dispose(); ta.Dispose(); tb.Dispose(); });
    }
}
