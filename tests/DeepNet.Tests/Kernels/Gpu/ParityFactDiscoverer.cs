using DeepNet.Kernels.Gpu;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>Discovers <see cref="ParityFactAttribute"/> tests; skips CUDA classes without a device.</summary>
public sealed class ParityFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo fact)
    {
        var display = options.MethodDisplayOrDefault();
        var displayOptions = options.MethodDisplayOptionsOrDefault();
        var type = method.TestClass.Class.ToRuntimeType();
        if (typeof(IRequiresCuda).IsAssignableFrom(type) && !GpuBackend.IsCudaAvailable)
        {
            yield return new XunitSkippedDataRowTestCase(diagnostics, display, displayOptions, method, CudaFactAttribute.NoDeviceReason, []);
            yield break;
        }
        yield return new XunitTestCase(diagnostics, display, displayOptions, method);
    }
}
