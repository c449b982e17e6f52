using System.Runtime.CompilerServices;
using Xunit;
using Xunit.v3;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// A fact that needs a CUDA device: it carries the trait <c>Device=Cuda</c> and is reported as
/// skipped, with the reason, when there is none (decided by <see cref="ParityFactDiscoverer"/>).
/// </summary>
[XunitTestCaseDiscoverer(typeof(ParityFactDiscoverer))]
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaFactAttribute(
    [CallerFilePath] string? sourceFilePath = null,
    [CallerLineNumber] int sourceLineNumber = -1) : FactAttribute(sourceFilePath, sourceLineNumber)
{
    /// <summary>The skip reason of every CUDA test on a machine without a CUDA device.</summary>
    public const string NoDeviceReason = "no CUDA device: ILGPU found no NVIDIA driver/GPU on this machine";
}
