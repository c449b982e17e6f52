using Prometheus;

namespace DeepNet.Serving;

/// <summary>The server's Prometheus metrics, in their own registry (so several servers in one process, as in tests, do not share counts).</summary>
public sealed class ServingMetrics
{
    /// <summary>Creates every metric in <paramref name="registry"/>.</summary>
    public ServingMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        Requests = factory.CreateCounter("deepnet_predict_requests_total", "POST /predict requests received.");
        Errors = factory.CreateCounter("deepnet_predict_errors_total", "Inference requests answered with a non-2xx status, by status class and kind.",
            new CounterConfiguration { LabelNames = ["status_class", "kind"] });
        Dropped = factory.CreateCounter("deepnet_queue_dropped_instances_total", "Queued instances dropped unrun, by reason (client_gone, deadline).",
            new CounterConfiguration { LabelNames = ["reason"] });
        QueuedInstances = factory.CreateGauge("deepnet_queue_instances", "Instances waiting for the model.");
        Instances = factory.CreateCounter("deepnet_predict_instances_total", "Instances predicted.");
        Latency = factory.CreateHistogram("deepnet_predict_latency_seconds", "Time from receiving a /predict request to its answer.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        BatchSize = factory.CreateHistogram("deepnet_batch_size", "Instances per forward pass.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 10) });
        QueueDepth = factory.CreateGauge("deepnet_queue_depth", "Requests waiting for the model.");
        Ready = factory.CreateGauge("deepnet_model_ready", "1 once the model is loaded.");
        // Process and runtime metrics (CPU, memory, GC, thread pool) in the same registry.
        DotNetStats.Register(registry);
    }

    /// <summary>The registry /metrics exports.</summary>
    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    /// <summary>
    /// Labels "status_class" (4xx, 5xx) and "kind": malformed_json, duplicate_key, bad_shape, non_numeric, non_finite,
    /// empty, too_many_instances, body_too_large, unsupported_media_type, bad_request_body, body_too_slow,
    /// client_gone, queue_full, not_ready, deadline_exceeded, non_finite_output, model_non_finite, inference, unhandled, http_NNN.
    /// </summary>
    public Counter Errors { get; }

    /// <summary>Counts one answer with a non-2xx <paramref name="status"/>.</summary>
    public void CountError(int status, string kind) => Errors.WithLabels($"{status / 100}xx", kind).Inc();

    /// <summary>Label "reason": client_gone, deadline.</summary>
    public Counter Dropped { get; }

    public Gauge QueuedInstances { get; }

    public Counter Instances { get; }

    public Histogram Latency { get; }

    public Histogram BatchSize { get; }

    public Gauge QueueDepth { get; }

    public Gauge Ready { get; }
}
