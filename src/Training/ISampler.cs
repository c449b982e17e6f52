namespace DeepNet.Training;

/// <summary>
/// Which dataset indices a <see cref="DataLoader"/> visits in an epoch, and in what order (torch's
/// Sampler): a distributed sampler gives each rank its own disjoint shard.
/// </summary>
public interface ISampler
{
    /// <summary>Indices per epoch (the same every epoch).</summary>
    int Count { get; }

    /// <summary>The indices epoch <paramref name="epoch"/> visits, in order; every one below the dataset's Count.</summary>
    int[] Indices(int epoch);
}
