using DeepNet.Kernels.Gpu;
using Xunit.Internal;
using Xunit.Sdk;
using Xunit.v3;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>Discovers <see cref="ParityFactAttribute"/> tests; skips CUDA classes without a device.</summary>
public sealed class ParityFactDiscoverer : FactDiscoverer
{
    /// <summary>The fact's test case, with the no-device skip reason in an <see cref="IRequiresCuda"/> class.</summary>
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, IXunitTestMethod testMethod, IFactAttribute factAttribute)
    {
        var details = TestIntrospectionHelper.GetTestCaseDetails(discoveryOptions, testMethod, factAttribute);
        var needsCuda = typeof(IRequiresCuda).IsAssignableFrom(testMethod.TestClass.Class);
        var skipReason = needsCuda && !GpuBackend.IsCudaAvailable ? CudaFactAttribute.NoDeviceReason : details.SkipReason;
        return new XunitTestCase(
            details.ResolvedTestMethod,
            details.TestCaseDisplayName,
            details.UniqueID,
            details.Explicit,
            details.SkipExceptions,
            skipReason,
            details.SkipType,
            details.SkipUnless,
            details.SkipWhen,
            testMethod.Traits.ToReadWrite(StringComparer.OrdinalIgnoreCase),
            sourceFilePath: details.SourceFilePath,
            sourceLineNumber: details.SourceLineNumber,
            timeout: details.Timeout);
    }
}
