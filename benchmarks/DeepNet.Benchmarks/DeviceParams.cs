using DeepNet.Tensors;

namespace DeepNet.Benchmarks;

/// <summary>
/// The devices a benchmark runs on, one column each: always "cpu", plus "cuda" when a CUDA
/// device is present (the ILGPU emulator is far too slow to benchmark and is left out).
/// </summary>
public static class DeviceParams
{
    public static IEnumerable<string> Available()
    {
        yield return "cpu";
        if (Device.IsCudaAvailable) yield return "cuda";
    }

    public static Device Resolve(string name) => Device.Parse(name);
}
