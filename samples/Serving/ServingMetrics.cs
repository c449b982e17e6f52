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
        Errors = factory.CreateCounter("deepnet_predict_errors_total", "POST /predict requests answered with an error, by kind.",
            new CounterConfiguration { LabelNames = ["kind"] });
        Instances = factory.CreateCounter("deepnet_predict_instances_total", "Instances predicted.");
        Latency = factory.CreateHistogram("deepnet_predict_latency_seconds", "Time from receiving a /predict request to its answer.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        BatchSize = factory.CreateHistogram("deepnet_batch_size", "Instances per forward pass.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 10) });
        QueueDepth = factory.CreateGauge("deepnet_queue_depth", "Requests waiting for the model.");
        Ready = factory.CreateGauge("deepnet_model_ready", "1 once the model is loaded.");
    }

    /// <summary>The registry /metrics exports.</summary>
    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    /// <summary>Label "kind": malformed_json, invalid_input, too_many_instances, body_too_large, queue_full, not_ready, inference.</summary>
    public Counter Errors { get; }

    public Counter Instances { get; }

    public Histogram Latency { get; }

    public Histogram BatchSize { get; }

    public Gauge QueueDepth { get; }

    public Gauge Ready { get; }
}
