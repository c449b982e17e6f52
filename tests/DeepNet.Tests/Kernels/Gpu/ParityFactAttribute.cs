using System.Runtime.CompilerServices;
using Xunit;
using Xunit.v3;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// A fact of a parity test class written once and run per backend: in a class marked
/// <see cref="IRequiresCuda"/> it reports a skip with the reason when no CUDA device is present
/// (the attribute sits on the shared base method, so the decision needs the concrete class,
/// which only the discoverer sees).
/// </summary>
[XunitTestCaseDiscoverer(typeof(ParityFactDiscoverer))]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ParityFactAttribute(
    [CallerFilePath] string? sourceFilePath = null,
    [CallerLineNumber] int sourceLineNumber = -1) : FactAttribute(sourceFilePath, sourceLineNumber);
