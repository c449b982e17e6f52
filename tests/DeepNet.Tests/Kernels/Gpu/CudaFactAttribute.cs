using System.Runtime.CompilerServices;
using DeepNet.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>A fact that needs a CUDA device: reported as skipped, with the reason, when there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaFactAttribute : FactAttribute
{
    public const string NoDeviceReason = "no CUDA device: ILGPU found no NVIDIA driver/GPU on this machine";

    /// <summary>A CUDA fact; the caller's file and line are the test's source location.</summary>
    public CudaFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (!GpuBackend.IsCudaAvailable) Skip = NoDeviceReason;
    }
}
