using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ILGPU;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// The one ILGPU <see cref="Context"/> of the process: CUDA devices plus an emulated CPU device
/// shaped like a GPU (32-lane warps, 256 threads a group) so the same launch shapes run in tests.
/// Created on first use and never disposed; creating contexts per call would recompile kernels.
/// </summary>
internal static class GpuContext
{
    private static readonly Lazy<Context> Shared = new(Create);

    public static Context Instance => Shared.Value;

    /// <summary>The emulator's device: warp 32, 8 warps a group (256 threads), one multiprocessor.</summary>
    public static CPUDevice EmulatorDevice { get; } = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 8, numMultiprocessors: 1);

    public static int CudaDeviceCount
    {
        get
        {
            try { return Instance.GetCudaDevices().Count; }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or CudaException) { return 0; }
        }
    }

    private static Context Create()
    {
        // Driver images often mount only libcuda.so.1; ILGPU asks for "cuda" (libcuda.so).
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveCuda;
        return Context.Create(b => b
            .Cuda()
            .CPU(EmulatorDevice)
            .EnableAlgorithms()
            .Optimize(OptimizationLevel.O2));
    }

    private static IntPtr ResolveCuda(Assembly assembly, string name) =>
        name == "cuda" && NativeLibrary.TryLoad("libcuda.so.1", out var handle) ? handle : IntPtr.Zero;
}
