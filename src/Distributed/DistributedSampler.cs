using DeepNet.Training;

namespace DeepNet.Distributed;

/// <summary>
/// torch's DistributedSampler: rank r of W visits indices r, r+W, r+2W, ... of an epoch's order,
/// so the shards are disjoint and together cover the dataset. The order is a permutation drawn
/// from (seed, epoch), the same on every rank, so shards change every epoch but never overlap.
/// Without dropLast the order is padded by repeating its start until W divides it (every rank
/// then runs the same number of steps, as collectives need); with it the tail is dropped.
/// Rank r's batch b of size B/W is, across ranks, exactly batch b of size B in one process.
/// </summary>
public sealed class DistributedSampler : ISampler
{
    private readonly int _datasetCount;

    /// <summary>A sampler over <paramref name="datasetCount"/> indices for rank <paramref name="rank"/> of <paramref name="worldSize"/>.</summary>
    public DistributedSampler(int datasetCount, int rank, int worldSize, bool shuffle = true, ulong seed = 0, bool dropLast = false)
    {
        if (datasetCount <= 0) throw new ArgumentException($"distributed_sampler: the dataset is empty (count {datasetCount})");
        if (worldSize <= 0) throw new ArgumentException($"distributed_sampler: world size must be positive, got {worldSize}");
        if (rank < 0 || rank >= worldSize) throw new ArgumentException($"distributed_sampler: rank {rank} is outside 0..{worldSize - 1}");
        if (dropLast && datasetCount < worldSize)
            throw new ArgumentException($"distributed_sampler: {datasetCount} samples cannot give each of {worldSize} ranks one with dropLast");
        _datasetCount = datasetCount;
        Rank = rank;
        WorldSize = worldSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Count = dropLast ? datasetCount / worldSize : (datasetCount + worldSize - 1) / worldSize;
    }

    /// <summary>A sampler for this process's rank in <paramref name="communicator"/>.</summary>
    public DistributedSampler(int datasetCount, Communicator communicator, bool shuffle = true, ulong seed = 0, bool dropLast = false)
        : this(datasetCount, communicator.Rank, communicator.Size, shuffle, seed, dropLast) { }

    public int Rank { get; }
    public int WorldSize { get; }
    public bool Shuffle { get; }
    public ulong Seed { get; }
    public bool DropLast { get; }

    /// <summary>Indices this rank visits per epoch.</summary>
    public int Count { get; }

    /// <summary>This rank's shard of epoch <paramref name="epoch"/>'s order.</summary>
    public int[] Indices(int epoch)
    {
        // The permutation a one-process DataLoader with this seed draws: W ranks with batch B/W see
        // exactly the samples of one process with batch B at every step.
        int[] order = Shuffle ? DataLoader.Permutation(_datasetCount, Seed, epoch) : [.. Enumerable.Range(0, _datasetCount)];
        var shard = new int[Count];
        for (int i = 0; i < Count; i++) shard[i] = order[(Rank + (long)i * WorldSize) % order.Length];
        return shard;
    }
}
