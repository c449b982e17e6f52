using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>Runs <see cref="BodyBufferTests"/> with no other test in parallel, so process-wide allocation counts are its own.</summary>
[CollectionDefinition(nameof(BodyBufferTests), DisableParallelization = true)]
public sealed class BodyBufferCollection;
