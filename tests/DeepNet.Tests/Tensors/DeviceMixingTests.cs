using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Ops given tensors on two devices (CPU and the GPU emulator) throw ArgumentException naming the
/// op and both devices. In the emulator's collection: its allocator stats are read by other tests.
/// </summary>
[Collection(EmulatorCollection.Name)]
public class DeviceMixingTests
{
    private static readonly Dictionary<string, Func<Tensor, Tensor, Tensor>> Ops = new()
    {
        ["add"] = (cpu, gpu) => cpu.Add(gpu),
        ["mul"] = (cpu, gpu) => gpu.Mul(cpu),
        ["matmul"] = (cpu, gpu) => cpu.MatMul(gpu),
        ["cat"] = (cpu, gpu) => Tensor.Cat([cpu, gpu]),
        ["where"] = (cpu, gpu) => Tensor.Where(cpu, cpu, gpu),
        ["gather"] = (cpu, gpu) => cpu.Gather(0, gpu),
        ["copy_"] = (cpu, gpu) => cpu.CopyFrom(gpu),
    };

    public static TheoryData<string> OpNames => [.. Ops.Keys];

    [Theory]
    [MemberData(nameof(OpNames))]
    public void OpsOnTwoDevices_ThrowNamingTheOpAndBothDevices(string name)
    {
        using var cpu = Tensor.Zeros([2, 2], Device.Cpu);
        using var gpu = Tensor.Zeros([2, 2], Device.GpuEmulator);
        var error = Assert.Throws<ArgumentException>(() => Ops[name](cpu, gpu));
        Assert.Contains(name + ":", error.Message);
        Assert.Contains("cpu", error.Message);
        Assert.Contains("gpu-emulator", error.Message);
    }
}
