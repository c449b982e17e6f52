using Xunit;

namespace DeepNet.Tests.Testing;

/// <summary>Tests that reseed <c>Generator.Default</c>: run alone, since other tests draw from it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class GlobalGeneratorCollection
{
    public const string Name = "Global generator";
}
