using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;

namespace DeepNet.Tensors;

/// <summary>
/// Where a tensor's storage lives and which backend runs its ops: <see cref="Cpu"/>,
/// <see cref="Cuda"/>(i) or <see cref="Auto"/> (CUDA when present, else CPU).
/// </summary>
public sealed partial class Device : IEquatable<Device>
{
    private Device(DeviceType type, int index, IBackend backend)
    {
        Type = type;
        Index = index;
        Backend = backend;
    }

    public DeviceType Type { get; }
    public int Index { get; }
    internal IBackend Backend { get; }

    /// <summary>The managed SIMD CPU backend.</summary>
    public static Device Cpu { get; } = new(DeviceType.Cpu, 0, CpuBackend.Instance);

    /// <summary>
    /// The device of a buffer made by <paramref name="backend"/> (each device has its own backend): tensors
    /// find their device through their buffer instead of keeping a field for it.
    /// </summary>
    internal static Device Of(IBackend backend) => ReferenceEquals(backend, CpuBackend.Instance) ? Cpu : OfGpu(backend);

    /// <summary>
    /// "cpu", "cuda" (= cuda:0), "cuda:N" or "auto"; "auto" honours the DEEPNET_DEVICE environment
    /// variable first, so every program's default <c>--device auto</c> can be overridden from outside.
    /// </summary>
    public static Device Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        if (n == "cpu") return Cpu;
        if (n == "auto") return FromEnvironment();
        if (n == "cuda") return Cuda(0);
        if (n.StartsWith("cuda:") && int.TryParse(n[5..], out int i)) return Cuda(i);
        throw new ArgumentException($"device: unknown device '{name}' (expected cpu, cuda, cuda:N or auto)");
    }

    /// <summary>The device named by DEEPNET_DEVICE (cpu|cuda|cuda:N), else <paramref name="fallback"/> (default: <see cref="Auto"/>).</summary>
    public static Device FromEnvironment(Device? fallback = null)
    {
        string? env = Environment.GetEnvironmentVariable("DEEPNET_DEVICE")?.Trim();
        return string.IsNullOrEmpty(env) || env.Equals("auto", StringComparison.OrdinalIgnoreCase) ? fallback ?? Auto : Parse(env);
    }

    public bool Equals(Device? other) => other is not null && other.Type == Type && other.Index == Index;
    public override bool Equals(object? obj) => Equals(obj as Device);
    public override int GetHashCode() => HashCode.Combine(Type, Index);
    public static bool operator ==(Device? a, Device? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Device? a, Device? b) => !(a == b);

    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.Cuda => $"cuda:{Index}",
        _ => "gpu-emulator",
    };
}
