using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>Device names as programs take them (--device), and the DEEPNET_DEVICE override of "auto".</summary>
[Collection(GlobalGeneratorCollection.Name)]   // not in parallel: the test sets a process-wide variable
public class DeviceParseTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Parse_Cpu_IsTheCpuDevice(string name) => Assert.Equal(Device.Cpu, Device.Parse(name));

    [Fact]
    public void Parse_UnknownName_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => Device.Parse("tpu"));
        Assert.Contains("'tpu'", error.Message);
    }

    [Fact]
    public void Parse_Cuda_WithoutADevice_ThrowsAClearError()
    {
        if (Device.IsCudaAvailable) return;   // the error path only exists without CUDA
        var error = Assert.Throws<InvalidOperationException>(() => Device.Parse("cuda:0"));
        Assert.Contains("no CUDA device", error.Message);
    }

    [Fact]
    public void Auto_FollowsDeepNetDevice_WhenSet()
    {
        string? saved = Environment.GetEnvironmentVariable("DEEPNET_DEVICE");
        try
        {
            Environment.SetEnvironmentVariable("DEEPNET_DEVICE", "cpu");
            Assert.Equal(Device.Cpu, Device.Parse("auto"));
            Environment.SetEnvironmentVariable("DEEPNET_DEVICE", "bogus");
            Assert.Throws<ArgumentException>(() => Device.Parse("auto"));
            Environment.SetEnvironmentVariable("DEEPNET_DEVICE", null);
            Assert.Equal(Device.Auto, Device.Parse("auto"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DEEPNET_DEVICE", saved);
        }
    }
}
