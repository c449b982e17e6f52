using System.Collections;
using System.Collections.Concurrent;
using System.Threading.Channels;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// Cuts an <see cref="IDataset"/> (a <see cref="Dataset"/> or your own source) into batches, as torch's DataLoader: each enumeration is one
/// epoch; with <see cref="Shuffle"/> the order is a permutation drawn from (<see cref="Seed"/>,
/// epoch number), so a seed replays the same epochs. A background task gathers the next
/// <see cref="Prefetch"/> batches while the caller trains on the current one; the tensors
/// themselves are made on the caller's thread, on <see cref="Device"/>. Every batch is owned by
/// the caller (dispose it).
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>
{
    private readonly ConcurrentQueue<(Array Features, Array Targets)> _freeBuffers = new();
    private readonly int _sampleSize;
    private readonly int _targetSize;
    private int _epoch;

    /// <summary>
    /// A loader over <paramref name="dataset"/>; <paramref name="prefetch"/> = 0 gathers each batch on
    /// demand. A <paramref name="sampler"/> (such as a distributed one) chooses the indices and their
    /// order instead of <paramref name="shuffle"/>, as in torch the two exclude each other.
    /// </summary>
    public DataLoader(IDataset dataset, int batchSize = 32, bool shuffle = false, bool dropLast = false,
        ulong seed = 0, Device? device = null, int prefetch = 1, ISampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0) throw new ArgumentException($"data_loader: batch size must be positive, got {batchSize}");
        if (prefetch < 0) throw new ArgumentException($"data_loader: prefetch must be >= 0, got {prefetch}");
        if (sampler is not null && shuffle)
            throw new ArgumentException("data_loader: sampler and shuffle exclude each other; let the sampler shuffle");
        Sampler = sampler;
        Dataset = dataset;
        _sampleSize = dataset.SampleShape.Aggregate(1, (a, b) => checked(a * b));
        _targetSize = dataset.HasTargets ? dataset.TargetShape.Aggregate(1, (a, b) => checked(a * b)) : 0;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Seed = seed;
        Device = device ?? Device.Cpu;
        Prefetch = prefetch;
    }

    /// <summary>The source of the samples.</summary>
    public IDataset Dataset { get; }
    public int BatchSize { get; }
    public bool Shuffle { get; }

    /// <summary>Skip the last batch when it would hold fewer than <see cref="BatchSize"/> samples.</summary>
    public bool DropLast { get; }

    public ulong Seed { get; }

    /// <summary>The sampler choosing each epoch's indices; null: every index, shuffled or in order.</summary>
    public ISampler? Sampler { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? IndexCount / BatchSize : (IndexCount + BatchSize - 1) / BatchSize;

    /// <summary>Samples per epoch (fewer than the indices visited when the last batch is dropped).</summary>
    public int SampleCount => DropLast ? BatchCount * BatchSize : IndexCount;

    private int IndexCount => Sampler?.Count ?? Dataset.Count;

    /// <summary>Where batches are made; the <see cref="Trainer"/> sets it to the model's device.</summary>
    public Device Device { get; set; }

    /// <summary>Batches gathered ahead of the one being used.</summary>
    public int Prefetch { get; }

    /// <summary>Number of epochs started so far (the next enumeration uses this as its epoch number).</summary>
    public int Epoch => _epoch;

    /// <summary>Sample indices in the order epoch <paramref name="epoch"/> visits them.</summary>
    public int[] Order(int epoch)
    {
        if (Sampler is not null) return CheckedIndices(Sampler.Indices(epoch));
        if (!Shuffle)
        {
            var order = new int[Dataset.Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            return order;
        }
        return Permutation(Dataset.Count, Seed, epoch);
    }

    /// <summary>
    /// The shuffled order of <paramref name="count"/> indices for (<paramref name="seed"/>,
    /// <paramref name="epoch"/>): the same on every run, .NET version and process (distributed
    /// samplers shard this same permutation).
    /// </summary>
    public static int[] Permutation(int count, ulong seed, int epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        // SplitMix64 keyed by (seed, epoch).
        ulong state = seed * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xD1B54A32D192ED03UL + 1;
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(NextRandom(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private int[] CheckedIndices(int[] indices)
    {
        if (indices.Length != Sampler!.Count)
            throw new InvalidOperationException($"data_loader: the sampler promised {Sampler.Count} indices and gave {indices.Length}");
        foreach (int i in indices)
            if ((uint)i >= (uint)Dataset.Count)
                throw new InvalidOperationException($"data_loader: sampler index {i} is outside the dataset of {Dataset.Count} samples");
        return indices;
    }

    private static ulong NextRandom(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Starts the next epoch.</summary>
    public IEnumerator<Batch> GetEnumerator()
    {
        int[] order = Order(Interlocked.Increment(ref _epoch) - 1);
        return Prefetch == 0 ? EnumerateDirect(order) : EnumeratePrefetched(order);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerator<Batch> EnumerateDirect(int[] order)
    {
        for (int b = 0; b < BatchCount; b++)
            yield return ToBatch(Gather(order, b));
    }

    private IEnumerator<Batch> EnumeratePrefetched(int[] order)
    {
        var channel = Channel.CreateBounded<HostBatch>(new BoundedChannelOptions(Prefetch) { SingleReader = true, SingleWriter = true });
        using var stop = new CancellationTokenSource();
        var producer = Task.Run(() => Produce(order, channel.Writer, stop.Token));
        try
        {
            while (channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                while (channel.Reader.TryRead(out var host))
                    yield return ToBatch(host);
        }
        finally
        {
            // The caller may stop early (break, exception, Ctrl+C): end the producer before leaving.
            stop.Cancel();
            try { producer.Wait(); }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException)) { }
        }
    }

    private async Task Produce(int[] order, ChannelWriter<HostBatch> writer, CancellationToken token)
    {
        try
        {
            for (int b = 0; b < BatchCount; b++)
                await writer.WriteAsync(Gather(order, b), token).ConfigureAwait(false);
            writer.Complete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
            if (e is not OperationCanceledException) throw;
        }
    }

    private HostBatch Gather(int[] order, int batch)
    {
        int start = batch * BatchSize, count = Math.Min(BatchSize, order.Length - start);
        DType featureType = Dataset.FeatureDType, targetType = Dataset.HasTargets ? Dataset.TargetDType : DType.Float32;
        var (features, targets) = count == BatchSize && _freeBuffers.TryDequeue(out var free)
            ? free
            : (Array.CreateInstance(featureType.HostType(), count * _sampleSize), Array.CreateInstance(targetType.HostType(), count * _targetSize));
        for (int row = 0; row < count; row++)
        {
            var sample = new SampleBuffers(HostArrays.Bytes(features, featureType, row * _sampleSize, _sampleSize), featureType,
                HostArrays.Bytes(targets, targetType, row * _targetSize, _targetSize), targetType);
            Dataset.CopySample(order[start + row], sample);
        }
        return new HostBatch(features, targets, count, batch);
    }

    private Batch ToBatch(HostBatch host)
    {
        var input = Tensor.FromHostArray(host.Features, [host.Count, .. Dataset.SampleShape], Device).DetachFromScope();
        var target = Dataset.HasTargets
            ? Tensor.FromHostArray(host.Targets, [host.Count, .. Dataset.TargetShape], Device).DetachFromScope()
            : null;
        // FromArray copied the values, so the host arrays can carry a later batch.
        if (host.Count == BatchSize) _freeBuffers.Enqueue((host.Features, host.Targets));
        return new Batch(input, target, host.Index);
    }

    // Host arrays of the dataset's FeatureDType and TargetDType (float[], long[], bool[], ...).
    private readonly record struct HostBatch(Array Features, Array Targets, int Count, int Index);
}
