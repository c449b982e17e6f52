using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace DeepNet.Serving;

/// <summary>
/// Micro-batching: requests wait in a bounded channel; one background worker takes the first
/// waiting request, gathers more until the batch holds MaxBatchSize instances or MaxWaitMs has
/// passed, runs them as one forward pass and hands each request its own rows. On shutdown the
/// channel is closed to new work and the worker finishes everything already queued. The bound
/// counts instances, not requests; work whose client has gone or whose deadline passed is dropped
/// unrun; <see cref="Saturated"/> tells readiness when new work would wait too long.
/// </summary>
public sealed class InferenceQueue : IHostedService
{
    private readonly Channel<InferenceRequest> _channel;
    private readonly ModelStore _store;
    private readonly ServingMetrics _metrics;
    private readonly ILogger<InferenceQueue> _logger;
    private readonly int _maxBatchSize;
    private readonly long _maxWaitTicks;
    private readonly int _capacity;
    private readonly long _saturatedWaitTicks;
    private int _queuedInstances;
    private long _lastQueueWaitTicks;
    private Task? _worker;

    public InferenceQueue(IOptions<ServingOptions> options, ModelStore store, ServingMetrics metrics, ILogger<InferenceQueue> logger)
    {
        var settings = options.Value;
        _capacity = Math.Max(1, settings.QueueCapacity);
        // Every request holds at least one instance, so the instance bound also bounds the channel.
        _channel = Channel.CreateBounded<InferenceRequest>(new BoundedChannelOptions(_capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _store = store;
        _metrics = metrics;
        _logger = logger;
        _maxBatchSize = Math.Max(1, settings.MaxBatchSize);
        _maxWaitTicks = (long)(Math.Max(0, settings.MaxWaitMs) * Stopwatch.Frequency / 1000.0);
        _saturatedWaitTicks = (long)(Math.Max(1, settings.RequestTimeoutMs) / 2 * Stopwatch.Frequency / 1000.0);
    }

    /// <summary>Instances waiting for the model.</summary>
    public int QueuedInstances => Volatile.Read(ref _queuedInstances);

    /// <summary>Most instances waiting (Serving:QueueCapacity).</summary>
    public int Capacity => _capacity;

    /// <summary>How long the work that started last waited in the queue.</summary>
    public TimeSpan LastQueueWait => TimeSpan.FromSeconds((double)Interlocked.Read(ref _lastQueueWaitTicks) / Stopwatch.Frequency);

    /// <summary>True when the queue is full, or work is waiting and the last batch had waited over half the request timeout.</summary>
    public bool Saturated => QueuedInstances >= _capacity || (QueuedInstances > 0 && Interlocked.Read(ref _lastQueueWaitTicks) > _saturatedWaitTicks);

    /// <summary>Queues a request; false when its instances would overflow the queue or it is closed for shutdown.</summary>
    public bool TryEnqueue(InferenceRequest request)
    {
        if (Interlocked.Add(ref _queuedInstances, request.Count) > _capacity || !_channel.Writer.TryWrite(request))
        {
            Interlocked.Add(ref _queuedInstances, -request.Count);
            return false;
        }
        _metrics.QueueDepth.Inc();
        _metrics.QueuedInstances.Inc(request.Count);
        return true;
    }

    /// <summary>Starts the worker (not tied to a cancellation token: only closing the channel ends it).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _worker ??= Task.Run(WorkAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Refuses new work, then waits until the worker has run everything already queued (or the host's shutdown timeout).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _channel.Writer.TryComplete();
        if (_worker is not null) await _worker.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WorkAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<InferenceRequest>();
        InferenceRequest? carry = null;
        while (true)
        {
            var first = carry;
            carry = null;
            if (first is null)
            {
                if (!await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false)) break;  // closed and empty: drained
                if (!reader.TryRead(out first)) continue;
            }
            if (Dropped(first)) continue;
            Interlocked.Exchange(ref _lastQueueWaitTicks, Stopwatch.GetTimestamp() - first.EnqueuedAt);
            batch.Add(first);
            int instances = first.Count;
            long deadline = Stopwatch.GetTimestamp() + _maxWaitTicks;
            while (instances < _maxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
                    if (Dropped(next)) continue;
                    if (instances + next.Count > _maxBatchSize)
                    {
                        carry = next;  // starts the next batch, so no request is split across passes
                        break;
                    }
                    batch.Add(next);
                    instances += next.Count;
                    continue;
                }
                if (!await WaitForMoreAsync(reader, deadline).ConfigureAwait(false)) break;
            }
            Taken(batch.Count, instances);
            RunBatch(batch, instances);
            batch.Clear();
        }
    }

    // A request whose client has gone or whose deadline passed leaves the queue unrun.
    private bool Dropped(InferenceRequest request)
    {
        if (request.AbandonReason is not { } reason) return false;
        Taken(1, request.Count);
        _metrics.Dropped.WithLabels(reason).Inc(request.Count);
        request.Completion.TrySetCanceled();
        return true;
    }

    private void Taken(int requests, int instances)
    {
        Interlocked.Add(ref _queuedInstances, -instances);
        _metrics.QueueDepth.Dec(requests);
        _metrics.QueuedInstances.Dec(instances);
    }

    private static async Task<bool> WaitForMoreAsync(ChannelReader<InferenceRequest> reader, long deadline)
    {
        long remaining = deadline - Stopwatch.GetTimestamp();
        if (remaining <= 0) return false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
        try
        {
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void RunBatch(List<InferenceRequest> batch, int instances)
    {
        try
        {
            var model = _store.Model ?? throw new InvalidOperationException("inference: the model is not loaded");
            int features = model.Architecture.FeatureCount;
            var inputs = new float[instances * features];
            int offset = 0;
            foreach (var request in batch)
            {
                request.Inputs.CopyTo(inputs, offset);
                offset += request.Inputs.Length;
            }
            _metrics.BatchSize.Observe(instances);
            float[] outputs = model.Run(inputs, instances);
            int width = model.OutputWidth, row = 0;
            // NaN/Inf out: blame the model only when it also fails on an all-zero instance.
            bool modelNonFinite = !outputs.All(float.IsFinite) && !model.ZeroInstanceIsFinite();
            foreach (var request in batch)
            {
                request.ModelNonFinite = modelNonFinite;
                request.Completion.TrySetResult(outputs.AsSpan(row * width, request.Count * width).ToArray());
                row += request.Count;
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "inference failed for a batch of {Instances} instances", instances);
            foreach (var request in batch) request.Completion.TrySetException(e);
        }
    }
}
