namespace DeepNet.Tensors;

// GPU devices. Wired to DeepNet.Kernels.Gpu.GpuBackend once the GPU backend lands.
public sealed partial class Device
{
    /// <summary>True when a CUDA device can be used.</summary>
    public static bool IsCudaAvailable => false;

    /// <summary>CUDA device number <paramref name="index"/>; throws when there is none.</summary>
    public static Device Cuda(int index = 0) =>
        throw new InvalidOperationException($"device: cuda:{index} requested but no CUDA device is available");

    /// <summary>CUDA device 0 when present, else the CPU.</summary>
    public static Device Auto => IsCudaAvailable ? Cuda(0) : Cpu;
}
