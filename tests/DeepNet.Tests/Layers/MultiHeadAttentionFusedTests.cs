using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>
/// MultiHeadAttention's fused path (Forward: the flash-style primitive) against its materialized
/// path (ForwardWithWeights: scores, softmax, ·v), output and the gradients of the input and every
/// parameter, with key padding, causal and per-head masks, with and without attention dropout, on the CPU, the GPU emulator and CUDA.
/// </summary>
public abstract class MultiHeadAttentionFusedTests
{
    private const int Embed = 8, Heads = 2, Length = 5, Batch = 2;

    protected abstract Device Device { get; }

    [ParityFact]
    public void Forward_MatchesMaterializedPath_WithEveryMask()
    {
        using var scope = new DisposeScope();
        var padding = Tensor.FromArray([0, 0, 0, 0, 0, 0, 1, 0, 0, 1], [Batch, Length], Device);
        var perHead = Tensor.Randn([Batch * Heads, Length, Length], new Generator(3), Device);
        var cases = new (string Label, AttentionMask? Padding, AttentionMask? Mask)[]
        {
            ("none", null, null),
            ("causal", null, AttentionMask.Causal(Length, Device)),
            ("padding + causal", AttentionMask.Blocked(padding), AttentionMask.Causal(Length, Device)),
            ("padding + per-head additive", AttentionMask.Blocked(padding), AttentionMask.Additive(perHead)),
        };
        foreach (var (label, pad, mask) in cases)
        foreach (float dropout in new[] { 0f, 0.25f })
        {
            // With dropout (training), both paths draw the same weights from the module's generator.
            var fused = Run(dropout, (a, x) => a.Forward(x, x, x, pad, mask));
            var materialized = Run(dropout, (a, x) => a.ForwardWithWeights(x, x, x, pad, mask).Output);
            CompositeCheck.AssertClose(materialized.Output, fused.Output, $"{label}, dropout {dropout} forward", 1e-4f);
            for (int i = 0; i < fused.Grads.Length; i++)
                CompositeCheck.AssertClose(materialized.Grads[i], fused.Grads[i], $"{label}, dropout {dropout} grad {i}", 1e-4f);
        }
    }

    private (float[] Output, float[][] Grads) Run(float dropout, Func<MultiHeadAttention, Tensor, Tensor> forward)
    {
        using var scope = new DisposeScope();
        using var attention = new MultiHeadAttention(Embed, Heads, dropout, batchFirst: true, generator: new Generator(1));
        attention.To(Device);
        var x = Tensor.Randn([Batch, Length, Embed], new Generator(2), Device).RequiresGradient();
        var y = forward(attention, x);
        var w = Tensor.Randn(y.Shape.ToArray(), new Generator(4), Device);
        (y * w).Sum().Backward();
        var grads = new[] { x.Grad!.ToArray() }.Concat(attention.Parameters().Select(p => p.Grad!.ToArray())).ToArray();
        return (y.ToArray(), grads);
    }
}

public sealed class CpuMultiHeadAttentionFusedTests : MultiHeadAttentionFusedTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorMultiHeadAttentionFusedTests : MultiHeadAttentionFusedTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaMultiHeadAttentionFusedTests : MultiHeadAttentionFusedTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}
