using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using DeepNet.Tests.Testing;
using Xunit;
using DeepNet.Autograd;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Tensor-level ops on the GPU backend (through ILGPU's CPU accelerator) against the CPU backend:
/// forward values and gradients of composites, device checks and memory flatness. Written once,
/// run on the emulator (CI) and on CUDA (skipped with a reason when there is none).
/// </summary>
public abstract class GpuDeviceTests
{
    private const float Tolerance = 1e-4f;

    protected abstract Device Gpu { get; }

    /// <summary>Training steps of the memory test: the emulator pays about a millisecond a launch.</summary>
    protected abstract int MemoryTestSteps { get; }

    private static (float[] Value, float[][] Grads) Run(Device device, Func<Tensor[], Tensor> f, params (float[] Data, int[] Shape)[] inputs)
    {
        using var scope = new DisposeScope();
        var leaves = inputs.Select(i => Tensor.FromArray(i.Data, i.Shape, device).RequiresGradient()).ToArray();
        var output = f(leaves);
        output.Sum().Backward();
        return (output.ToArray(), leaves.Select(l => l.Grad!.ToArray()).ToArray());
    }

    private void AssertSameOnBothDevices(Func<Tensor[], Tensor> f, params (float[] Data, int[] Shape)[] inputs)
    {
        var cpu = Run(Device.Cpu, f, inputs);
        var gpu = Run(Gpu, f, inputs);
        AssertClose(cpu.Value, gpu.Value);
        for (int i = 0; i < inputs.Length; i++) AssertClose(cpu.Grads[i], gpu.Grads[i]);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * (1 + Math.Abs(expected[i])), $"element {i}: cpu {expected[i]} vs gpu {actual[i]}");
    }

    [ParityFact]
    public void Conv2DWithBiasAndPooling_MatchesCpu_ForwardAndBackward() =>
        AssertSameOnBothDevices(t => t[0].Conv2D(t[1], t[2], padding: (1, 1)).Relu().MaxPool2D((2, 2)),
            RandomData.Uniform(1, [2, 2, 6, 5]), RandomData.Uniform(2, [3, 2, 3, 3]), RandomData.Uniform(3, [3]));

    [ParityFact]
    public void SoftmaxCrossEntropyAndLayerNorm_MatchCpu_ForwardAndBackward()
    {
        var targets = new float[] { 1, 0, 3 };
        AssertSameOnBothDevices(t =>
        {
            using var target = Tensor.FromArray(targets, [3], t[0].Device);
            return t[0].LayerNorm([4], t[1], null).Softmax(1).Log().Add(t[0].CrossEntropy(target));
        }, RandomData.Uniform(4, [3, 4]), RandomData.Uniform(5, [4]));
    }

    [ParityFact]
    public void BroadcastMatMulOnTransposedViews_MatchesCpu() =>
        AssertSameOnBothDevices(t => t[0].MatMul(t[1].Transpose(0, 1)).Tanh().Mean([1], keepDim: true),
            RandomData.Uniform(6, [2, 3, 5]), RandomData.Uniform(7, [4, 5]));

    [ParityFact]
    public void OpsOnTwoDevices_ThrowNamingBoth()
    {
        using var a = Tensor.Ones([2], Device.Cpu);
        using var b = Tensor.Ones([2], Gpu);
        var error = Assert.Throws<ArgumentException>(() => a.Add(b));
        Assert.Contains("cpu", error.Message);
        Assert.Contains("gpu-emulator", error.Message);
    }

    [ParityFact]
    public void To_MovesDataBetweenDevices()
    {
        using var a = Tensor.Arange(6).Reshape(2, 3);
        using var onGpu = a.To(Gpu);
        using var back = onGpu.Transpose(0, 1).To(Device.Cpu);
        Assert.Equal(Gpu, onGpu.Device);
        Assert.Equal([0f, 3, 1, 4, 2, 5], back.ToArray());
    }

    [ParityFact]
    public void RandomNumbers_AreTheSameOnEveryDevice()
    {
        using var cpu = Tensor.Randn([50], new Generator(7));
        using var gpu = Tensor.Randn([50], new Generator(7), Gpu);
        AssertClose(cpu.ToArray(), gpu.ToArray());
    }

    [ParityFact]
    public void TrainingSteps_LeaveAllocatedBytesFlat()
    {
        using var x = Tensor.Randn([8, 4], new Generator(1), Gpu);
        using var y = Tensor.Randn([8, 1], new Generator(2), Gpu);
        using var w1 = Tensor.Randn([4, 8], new Generator(3), Gpu).Mul(0.5f).DetachFromScope().RequiresGradient();
        using var w2 = Tensor.Randn([8, 1], new Generator(4), Gpu).Mul(0.5f).DetachFromScope().RequiresGradient();
        long afterWarmUp = 0;
        float firstLoss = 0, lastLoss = 0;
        const int warmUp = 10;
        for (int step = 0; step < MemoryTestSteps; step++)
        {
            using (new DisposeScope())
            {
                var loss = x.MatMul(w1).Relu().MatMul(w2).MseLoss(y);
                w1.ZeroGrad();
                w2.ZeroGrad();
                loss.Backward();
                using (GradMode.NoGrad())
                {
                    w1.AddInPlace(w1.Grad!, -0.05f);
                    w2.AddInPlace(w2.Grad!, -0.05f);
                }
                lastLoss = loss.Item();
                if (step == 0) firstLoss = lastLoss;
            }
            if (step == warmUp) afterWarmUp = Gpu.MemoryStats().AllocatedBytes;
        }
        Assert.True(lastLoss < firstLoss, $"loss did not fall: {firstLoss} -> {lastLoss}");
        Assert.Equal(afterWarmUp, Gpu.MemoryStats().AllocatedBytes);
    }
}

// In the emulator collection: the memory test reads allocator stats that other emulator tests would move.
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorDeviceTests : GpuDeviceTests
{
    protected override Device Gpu => Device.GpuEmulator;
    protected override int MemoryTestSteps => 60;
}

public sealed class CudaDeviceTests : GpuDeviceTests, IRequiresCuda
{
    protected override Device Gpu => Device.Cuda(0);
    protected override int MemoryTestSteps => 1000;
}
