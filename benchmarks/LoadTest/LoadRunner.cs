using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace DeepNet.LoadTest;

/// <summary>
/// Sends a fixed number of POST /predict requests from a fixed number of concurrent callers, for at
/// most a fixed duration, to a server on this machine; reports throughput, latency percentiles and
/// error counts. Refuses any host that is not loopback.
/// </summary>
public static class LoadRunner
{
    private const int Warmup = 20, DistinctBodies = 64;

    /// <summary>Runs the test and prints the report; 0 when no request got a 5xx or failed in transport, else 1.</summary>
    public static async Task<int> RunAsync(Uri url, int requests, int concurrency, TimeSpan maxDuration, int instancesPerRequest, int features)
    {
        if (!url.IsLoopback) throw new ArgumentException($"load test: {url} is not a loopback address; this client only tests a local server");
        if (requests < 1 || concurrency < 1 || instancesPerRequest < 1 || features < 1)
            throw new ArgumentException("load test: requests, concurrency, instances and features must be positive");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        var random = new Random(42);
        var bodies = Enumerable.Range(0, DistinctBodies).Select(_ => Body(random, instancesPerRequest, features)).ToArray();
        for (int i = 0; i < Warmup; i++) await SendAsync(client, bodies[i % DistinctBodies]);

        string before = await client.GetStringAsync("/metrics");
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
                    int status = await SendAsync(client, bodies[index % DistinctBodies]);
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref transportErrors);
                }
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        string metrics = await client.GetStringAsync("/metrics");
        return Report(latencies.Order().ToArray(), statuses, transportErrors, seconds, requests, concurrency, instancesPerRequest, before, metrics);
    }

    private static async Task<int> SendAsync(HttpClient client, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync("/predict", content);
        await response.Content.LoadIntoBufferAsync();
        return (int)response.StatusCode;
    }

    private static byte[] Body(Random random, int instances, int features)
    {
        var text = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < instances; i++)
        {
            text.Append(i == 0 ? "[" : ", [");
            for (int f = 0; f < features; f++)
                text.Append(f == 0 ? "" : ",").Append(random.NextSingle().ToString("0.###", CultureInfo.InvariantCulture));
            text.Append(']');
        }
        return Encoding.UTF8.GetBytes(text.Append("]}").ToString());
    }

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
