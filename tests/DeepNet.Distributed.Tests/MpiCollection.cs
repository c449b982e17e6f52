using Xunit;

namespace DeepNet.Distributed.Tests;

/// <summary>MPI jobs run one at a time: they oversubscribe the cores already.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MpiCollection
{
    public const string Name = "mpi jobs";
}
