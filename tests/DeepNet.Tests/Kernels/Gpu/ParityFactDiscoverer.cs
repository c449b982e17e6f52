using DeepNet.Kernels.Gpu;
using Xunit.Internal;
using Xunit.Sdk;
using Xunit.v3;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// Discovers <see cref="ParityFactAttribute"/> and <see cref="CudaFactAttribute"/> tests. A test that
/// needs CUDA (a <see cref="CudaFactAttribute"/>, or any parity fact of an <see cref="IRequiresCuda"/>
/// class) carries the trait <c>Device=Cuda</c>, so one filter selects every CUDA row
/// (<c>-trait Device=Cuda</c> staged, <c>--filter Device=Cuda</c> under dotnet test), and is
/// skipped with <see cref="CudaFactAttribute.NoDeviceReason"/> when there is no CUDA device.
/// </summary>
public sealed class ParityFactDiscoverer : FactDiscoverer
{
    /// <summary>The trait name and value every CUDA test carries.</summary>
    public const string TraitName = "Device", CudaTrait = "Cuda";

    /// <summary>The fact's test case, with the CUDA trait and, without a device, the skip reason.</summary>
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, IXunitTestMethod testMethod, IFactAttribute factAttribute)
    {
        var details = TestIntrospectionHelper.GetTestCaseDetails(discoveryOptions, testMethod, factAttribute);
        var traits = testMethod.Traits.ToReadWrite(StringComparer.OrdinalIgnoreCase);
        var needsCuda = factAttribute is CudaFactAttribute || typeof(IRequiresCuda).IsAssignableFrom(testMethod.TestClass.Class);
        var skipReason = details.SkipReason;
        if (needsCuda)
        {
            traits.Add(TraitName, CudaTrait);
            if (!GpuBackend.IsCudaAvailable) skipReason ??= CudaFactAttribute.NoDeviceReason;
        }
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
            traits,
            sourceFilePath: details.SourceFilePath,
            sourceLineNumber: details.SourceLineNumber,
            timeout: details.Timeout);
    }
}
