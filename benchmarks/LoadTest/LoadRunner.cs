using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace DeepNet.LoadTest;

/// <summary>
/// Sends a fixed number of POST /predict (or v2 infer) requests from a fixed number of concurrent
/// callers, for at most a fixed duration, to a server or balancer on this machine; reports
/// throughput, latency percentiles, per-status counts and every failed request (time, status or
/// transport error). Refuses any host that is not loopback.
/// </summary>
public static class LoadRunner
{
    private const int Warmup = 20, DistinctBodies = 64;

    /// <summary>Runs the test and prints the report; 0 when no request got a 5xx or failed in transport, else 1.</summary>
    public static async Task<int> RunAsync(Uri url, int requests, int concurrency, TimeSpan maxDuration, int instancesPerRequest, int features,
        string? v2Model = null, Uri? metricsUrl = null)
    {
        if (!url.IsLoopback || metricsUrl is { IsLoopback: false })
            throw new ArgumentException($"load test: {url} is not a loopback address; this client only tests a local server");
        if (requests < 1 || concurrency < 1 || instancesPerRequest < 1 || features < 1)
            throw new ArgumentException("load test: requests, concurrency, instances and features must be positive");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        var random = new Random(42);
        string path = v2Model is null ? "/predict" : $"/v2/models/{v2Model}/infer";
        var bodies = Enumerable.Range(0, DistinctBodies).Select(_ => Body(random, instancesPerRequest, features, v2Model is not null)).ToArray();
        for (int i = 0; i < Warmup; i++) await SendAsync(client, path, bodies[i % DistinctBodies]);

        var metricsAt = metricsUrl ?? new Uri(url, "/metrics");
        string before = await MetricsAsync(client, metricsAt);
        var failures = new ConcurrentQueue<string>();
        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentDictionary<int, int>();
        int issued = 0, transportErrors = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < maxDuration)
            {
                int index = Interlocked.Increment(ref issued);
                if (index > requests) break;
                long start = Stopwatch.GetTimestamp();
                try
                {
                    int status = await SendAsync(client, path, bodies[index % DistinctBodies]);
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    if (status != 200) failures.Enqueue(string.Create(CultureInfo.InvariantCulture, $"request {index} at {clock.Elapsed.TotalSeconds:F2} s: HTTP {status}"));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref transportErrors);
                    failures.Enqueue(string.Create(CultureInfo.InvariantCulture, $"request {index} at {clock.Elapsed.TotalSeconds:F2} s: {e.GetType().Name}: {e.Message}"));
                }
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        string metrics = await MetricsAsync(client, metricsAt);
        foreach (string failure in failures.Take(50)) Console.WriteLine("failed: " + failure);
        return Report(latencies.Order().ToArray(), statuses, transportErrors, seconds, requests, concurrency, instancesPerRequest, before, metrics);
    }

    /// <summary>The server's Prometheus text, or "" when it is not reachable there (through a balancer, say).</summary>
    private static async Task<string> MetricsAsync(HttpClient client, Uri url)
    {
        try
        {
            using var response = await client.GetAsync(url);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : "";
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    private static async Task<int> SendAsync(HttpClient client, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync(path, content);
        await response.Content.LoadIntoBufferAsync();
        return (int)response.StatusCode;
    }

    /// <summary>A /predict body, or a v2 body of one flat FP32 tensor [instances, features] (the model's input shape flattened only when it is 1-D).</summary>
    private static byte[] Body(Random random, int instances, int features, bool v2)
    {
        var values = string.Join(",", Enumerable.Range(0, instances * features).Select(_ => random.NextSingle().ToString("0.###", CultureInfo.InvariantCulture)));
        if (v2)
            return Encoding.UTF8.GetBytes($"{{\"inputs\":[{{\"name\":\"input\",\"shape\":[{instances},{V2Shape(features)}],\"datatype\":\"FP32\",\"data\":[{values}]}}]}}");
        var rows = Enumerable.Range(0, instances).Select(i => "[" + string.Join(",", values.Split(',').Skip(i * features).Take(features)) + "]");
        return Encoding.UTF8.GetBytes("{\"instances\": [" + string.Join(", ", rows) + "]}");
    }

    /// <summary>The demo models' input shapes by feature count: MNIST [1, 28, 28], otherwise flat.</summary>
    private static string V2Shape(int features) => features == 784 ? "1,28,28" : features.ToString(CultureInfo.InvariantCulture);

    private static int Report(double[] sorted, ConcurrentDictionary<int, int> statuses, int transportErrors, double seconds,
        int requests, int concurrency, int instances, string before, string after)
    {
        int completed = sorted.Length, serverErrors = statuses.Where(s => s.Key >= 500).Sum(s => s.Value);
        int ok = statuses.GetValueOrDefault((int)HttpStatusCode.OK);
        double Percentile(double p) => completed == 0 ? double.NaN : sorted[Math.Min(completed - 1, (int)Math.Ceiling(p * completed) - 1)];
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(invariant, $"requests: {completed} of {requests} in {seconds:F2} s, concurrency {concurrency}, {instances} instance(s) per request"));
        Console.WriteLine(string.Create(invariant, $"throughput: {completed / seconds:F1} requests/s, {ok * instances / seconds:F1} instances/s"));
        Console.WriteLine(string.Create(invariant, $"latency ms: p50 {Percentile(0.50):F2}, p90 {Percentile(0.90):F2}, p99 {Percentile(0.99):F2}, max {Percentile(1.0):F2}"));
        Console.WriteLine($"status: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        Console.WriteLine($"errors: {completed - ok} non-200, {serverErrors} 5xx, {transportErrors} transport");
        // Differences over the measured window (the server's counters also hold the warm-up and earlier runs).
        double passes = Metric(after, "deepnet_batch_size_count") - Metric(before, "deepnet_batch_size_count");
        double batched = Metric(after, "deepnet_batch_size_sum") - Metric(before, "deepnet_batch_size_sum");
        if (passes > 0) Console.WriteLine(string.Create(invariant, $"server: {passes} forward passes, mean batch {batched / passes:F2} instances"));
        return serverErrors == 0 && transportErrors == 0 ? 0 : 1;
    }

    private static double Metric(string text, string name)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
