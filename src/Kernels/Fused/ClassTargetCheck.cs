using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Class-index targets of nll_loss, checked where they live: the CPU body throws at once; the GPU
// kernel writes the nll_loss status slot and the next host sync throws (GpuIndexCheck), so a GPU
// training step with NllLoss waits for nothing (the host used to read every target back).
// Targets arrive as contiguous float32 (labels cast on the device, exact below 2^24).
// Oracles: FunctionalTests.NllLoss_Refuses..., GpuParityTests.NllLossTargets_...

/// <summary>
/// Checks that every target of <paramref name="length"/> floats from <paramref name="offset"/> is an
/// integer class in [0, <paramref name="classes"/>) or <paramref name="ignoreIndex"/>; errors name nll_loss.
/// </summary>
public readonly struct ClassTargetCheck(DeviceBuffer target, int offset, int length, int classes, int ignoreIndex) : IFusedOp
{
    /// <inheritdoc/>
    public string Name => "nll_loss";

    /// <inheritdoc/>
    public void RunCpu(CpuBackend cpu)
    {
        var values = CpuBackend.Data(target).AsSpan(offset, length);
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (v == ignoreIndex) continue;
            if (v != MathF.Floor(v))
                throw new ArgumentException($"{Name}: target {v} is not an integer class index (expected 0..{classes - 1}; at flat position {i})");
            if (v < 0 || v >= classes)
                throw new ArgumentException($"{Name}: target {v} is out of range for {classes} classes (at flat position {i}; ignore_index {ignoreIndex})");
        }
    }

    /// <summary>The kernel: target i; a bad one is written to the status slot [flag, value, classes].</summary>
    public static void CheckKernel(Index1D i, int offset, int classes, float ignoreIndex, View target, View status)
    {
        float v = target[offset + i];
        if (v == ignoreIndex || (v == MathF.Floor(v) && v >= 0 && v < classes)) return;
        status[1] = v;
        status[2] = classes;
        status[0] = 1f;
    }

    /// <inheritdoc/>
    public void RunGpu(GpuBackend gpu)
    {
        if (length == 0) return;
        var kernel = gpu.FusedKernel(typeof(ClassTargetCheck), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, int, int, float, View, View>(CheckKernel));
        kernel(gpu.Count(length), offset, classes, ignoreIndex, gpu.View(target), gpu.IndexStatus(IndexCheck.NllLoss));
    }
}
