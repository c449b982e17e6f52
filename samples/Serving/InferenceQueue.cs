using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace DeepNet.Serving;

/// <summary>
/// Micro-batching: requests wait in a bounded channel; one background worker takes the first
/// waiting request, gathers more until the batch holds MaxBatchSize instances or MaxWaitMs has
/// passed, runs them as one forward pass and hands each request its own rows. On shutdown the
/// channel is closed to new work and the worker finishes everything already queued.
/// </summary>
public sealed class InferenceQueue : IHostedService
{
    private readonly Channel<InferenceRequest> _channel;
    private readonly ModelStore _store;
    private readonly ServingMetrics _metrics;
    private readonly ILogger<InferenceQueue> _logger;
    private readonly int _maxBatchSize;
    private readonly long _maxWaitTicks;
    private Task? _worker;

    public InferenceQueue(IOptions<ServingOptions> options, ModelStore store, ServingMetrics metrics, ILogger<InferenceQueue> logger)
    {
        var settings = options.Value;
        _channel = Channel.CreateBounded<InferenceRequest>(new BoundedChannelOptions(Math.Max(1, settings.QueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _store = store;
        _metrics = metrics;
        _logger = logger;
        _maxBatchSize = Math.Max(1, settings.MaxBatchSize);
        _maxWaitTicks = (long)(Math.Max(0, settings.MaxWaitMs) * Stopwatch.Frequency / 1000.0);
    }

    /// <summary>Queues a request; false when the queue is full or closed for shutdown.</summary>
    public bool TryEnqueue(InferenceRequest request)
    {
        if (!_channel.Writer.TryWrite(request)) return false;
        _metrics.QueueDepth.Inc();
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
            batch.Add(first);
            int instances = first.Count;
            long deadline = Stopwatch.GetTimestamp() + _maxWaitTicks;
            while (instances < _maxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
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
            _metrics.QueueDepth.Dec(batch.Count);
            RunBatch(batch, instances);
            batch.Clear();
        }
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
            foreach (var request in batch)
            {
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
