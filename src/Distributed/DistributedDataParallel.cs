using System.Diagnostics;
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Training;

namespace DeepNet.Distributed;

/// <summary>
/// torch's DistributedDataParallel over MPI. At construction every rank checks that its model has
/// rank 0's parameter and buffer names and shapes (failing with the first difference) and takes
/// rank 0's values. During backward, gradients are grouped into buckets of about
/// <c>bucketCapBytes</c> in reverse registration order (the order backward finishes them); a
/// bucket's sum all-reduce starts on the MPI thread as soon as all its gradients are accumulated
/// (<see cref="Tensor.RegisterPostAccumulateGradHook"/>), in bucket order on every rank, while
/// backward goes on. <see cref="SynchronizeGradients"/> (the Trainer calls it before the optimizer
/// step) waits for them and leaves the mean over ranks in every Grad. Pass it to
/// <c>new Trainer(parallel: ddp)</c>; run the program with <c>mpirun -np N</c>.
/// </summary>
public sealed class DistributedDataParallel : IDataParallel, IDisposable
{
    /// <summary>Default bucket size: small enough that a CPU model's layers overlap their reduction with backward.</summary>
    public const long DefaultBucketCapBytes = 1 << 20;

    private readonly Communicator _communicator;
    private readonly List<GradientBucket> _buckets = [];
    private readonly List<IDisposable> _hooks = [];
    private int _nextLaunch;
    private readonly long _reduceTicksAtStart;
    private long _waitTicks, _bytes;

    /// <summary>Wraps <paramref name="module"/> (already on its device) for data-parallel training on <paramref name="communicator"/> (default: the MPI world).</summary>
    public DistributedDataParallel(Module module, Communicator? communicator = null, long bucketCapBytes = DefaultBucketCapBytes)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (bucketCapBytes <= 0) throw new ArgumentException($"distributed_data_parallel: bucket cap must be positive, got {bucketCapBytes} bytes");
        Module = module;
        _communicator = communicator ?? Communicator.World;
        _reduceTicksAtStart = _communicator.FloatReduceTicks;
        if (WorldSize > 1)
        {
            ModelSignature.Verify(_communicator, module);
            BroadcastState(module);
        }
        BuildBuckets(module.Parameters().ToList(), bucketCapBytes);
    }

    public Module Module { get; }
    public int Rank => _communicator.Rank;
    public int WorldSize => _communicator.Size;
    public Communicator Communicator => _communicator;

    /// <summary>Parameters per bucket, in launch order (the last layers first).</summary>
    public IReadOnlyList<int> BucketSizes => _buckets.Select(b => b.Parameters.Count).ToList();

    /// <summary>Bytes of gradient summed per step (each rank sends and receives about this, twice, in a ring).</summary>
    public long BytesPerStep => _buckets.Sum(b => b.Flat.LongLength) * sizeof(float);

    /// <summary>Totals since construction: steps synchronized, seconds the MPI thread spent in gradient all-reduces, seconds the step waited for them, bytes reduced.</summary>
    public (long Steps, double AllReduceSeconds, double WaitSeconds, long Bytes) Statistics =>
        (Steps, Stopwatch.GetElapsedTime(0, _communicator.FloatReduceTicks - _reduceTicksAtStart).TotalSeconds, Stopwatch.GetElapsedTime(0, _waitTicks).TotalSeconds, _bytes);

    private long Steps { get; set; }

    /// <summary>Waits for this step's bucket all-reduces and leaves the mean gradient over ranks in every Grad.</summary>
    public void SynchronizeGradients()
    {
        Steps++;
        if (WorldSize == 1) return;
        long start = Stopwatch.GetTimestamp();
        while (_nextLaunch < _buckets.Count) Launch(_buckets[_nextLaunch++]);   // parameters backward did not reach
        foreach (var bucket in _buckets) _communicator.Wait(bucket.Pending!, $"gradient all-reduce of bucket {bucket.Index} ({bucket.Flat.Length} floats)");
        // Whether a gradient changed after its bucket left must be agreed on, so every rank reduces the same buckets again.
        var stale = _buckets.Select(b => b.Stale ? 1.0 : 0.0).ToArray();
        _communicator.AllReduceSum(stale);
        for (int i = 0; i < _buckets.Count; i++)
            if (stale[i] > 0)
            {
                _buckets[i].ReduceAgain(_communicator);
                _bytes += _buckets[i].Flat.LongLength * sizeof(float);
            }
        _waitTicks += Stopwatch.GetTimestamp() - start;
        foreach (var bucket in _buckets)
        {
            bucket.Unpack(WorldSize);
            bucket.Reset();
        }
        _nextLaunch = 0;
    }

    /// <summary>Replaces each value with its sum over all ranks.</summary>
    public void SumAcrossRanks(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (WorldSize > 1 && values.Length > 0) _communicator.AllReduceSum(values);
    }

    /// <summary>Removes the gradient hooks; the module is left as it is.</summary>
    public void Dispose()
    {
        foreach (var hook in _hooks) hook.Dispose();
        _hooks.Clear();
    }

    private void BuildBuckets(List<Tensor> parameters, long capBytes)
    {
        var current = new List<Tensor>();
        long bytes = 0;
        // Backward finishes the last layers' gradients first: bucket them first.
        for (int i = parameters.Count - 1; i >= 0; i--)
        {
            current.Add(parameters[i]);
            bytes += parameters[i].Size * sizeof(float);
            if (bytes < capBytes && i > 0) continue;
            _buckets.Add(new GradientBucket(_buckets.Count, current));
            current = [];
            bytes = 0;
        }
        if (WorldSize == 1) return;
        foreach (var bucket in _buckets)
            for (int slot = 0; slot < bucket.Parameters.Count; slot++)
            {
                var (b, s) = (bucket, slot);
                _hooks.Add(bucket.Parameters[slot].RegisterPostAccumulateGradHook(_ => OnGradientReady(b, s)));
            }
    }

    private void OnGradientReady(GradientBucket bucket, int slot)
    {
        if (!bucket.MarkReady(slot)) return;
        // Buckets leave in index order on every rank, so the k-th all-reduce pairs the same bucket everywhere.
        while (_nextLaunch < _buckets.Count && _buckets[_nextLaunch].IsComplete) Launch(_buckets[_nextLaunch++]);
    }

    private void Launch(GradientBucket bucket)
    {
        bucket.Launch(_communicator);
        _bytes += bucket.Flat.LongLength * sizeof(float);
    }

    private void BroadcastState(Module module)
    {
        var tensors = module.Parameters().Concat(module.Buffers()).ToList();
        var flat = new float[tensors.Sum(t => t.Size)];
        int offset = 0;
        foreach (var t in tensors)
        {
            t.ToArray().CopyTo(flat, offset);
            offset += (int)t.Size;
        }
        _communicator.Broadcast(flat, 0);
        using var noGrad = GradMode.NoGrad();
        offset = 0;
        foreach (var t in tensors)
        {
            using var values = Tensor.FromArray(flat[offset..(offset + (int)t.Size)], t.Shape.ToArray(), t.Device);
            t.CopyFrom(values);
            offset += (int)t.Size;
        }
    }
}
