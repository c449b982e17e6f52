namespace DeepNet.Tensors;

/// <summary>The kind of device a tensor lives on.</summary>
public enum DeviceType
{
    Cpu,
    Cuda,
    /// <summary>The GPU kernels run by ILGPU's CPU accelerator (an emulator, for tests).</summary>
    GpuEmulator,
}
