using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>Kestrel's own request errors, over a real socket: each a 4xx, one short log line, no stack trace.</summary>
public sealed class KestrelErrorTests(TestModels models) : IClassFixture<TestModels>
{
    internal sealed class KestrelFactory(string model) : WebApplicationFactory<Program>
    {
        public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Error)> Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Serving:Model", model);
            builder.ConfigureLogging(logging => logging.AddProvider(new CollectingProvider(Logs)));
        }

        public async Task<Uri> StartAsync()
        {
            UseKestrel(o =>
            {
                o.Listen(IPAddress.Loopback, 0);
                // A short grace period keeps the slow-body case to a few seconds.
                o.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 100, gracePeriod: TimeSpan.FromSeconds(1.5));
            });
            StartServer();
            var address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var client = new HttpClient { BaseAddress = address };
            for (int i = 0; i < 200 && !(await client.GetAsync("/health")).IsSuccessStatusCode; i++) await Task.Delay(25);
            return address;
        }
    }

    private sealed class CollectingProvider(ConcurrentQueue<(LogLevel, string, string, Exception?)> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(logs, categoryName);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<(LogLevel, string, string, Exception?)> logs, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Enqueue((logLevel, category, formatter(state, exception), exception));
        }
    }

    private static async Task<string> RawAsync(Uri address, string head, byte[] body, TimeSpan? stall = null)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        if (stall is { } wait) await Task.Delay(wait);
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static void AssertOneConciseLine(KestrelFactory factory, string kind)
    {
        var logs = factory.Logs.ToArray();
        Assert.DoesNotContain(logs, l => l.Error is not null && l.Level >= LogLevel.Warning);
        Assert.Single(logs, l => l.Message.Contains($"({kind})", StringComparison.Ordinal) && !l.Message.Contains('\n'));
    }

    [Fact]
    public async Task MalformedChunkedBody_Is400_WithOneLogLine()
    {
        await using var factory = new KestrelFactory(models.RegressorPath);
        var address = await factory.StartAsync();
        string answer = await RawAsync(address,
            "POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            Encoding.ASCII.GetBytes("ZZZ\r\n{\"instances\": []}\r\n0\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 400", answer);
        using var client = new HttpClient { BaseAddress = address };
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"bad_request_body\"}"));
        AssertOneConciseLine(factory, "bad_request_body");
    }

    [Fact]
    public async Task BodySlowerThanTheMinimumRate_Is408_WithOneLogLine()
    {
        await using var factory = new KestrelFactory(models.RegressorPath);
        var address = await factory.StartAsync();
        string answer = await RawAsync(address,
            "POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n",
            Encoding.ASCII.GetBytes("{\"instances\": [[1, "));
        Assert.StartsWith("HTTP/1.1 408", answer);
        using var client = new HttpClient { BaseAddress = address };
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(1, PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"body_too_slow\"}"));
        AssertOneConciseLine(factory, "body_too_slow");
    }

    [Fact]
    public async Task UploadsCutOffMidBody_AreCounted_OneLineEach_NoStackTrace()
    {
        await using var factory = new KestrelFactory(models.RegressorPath);
        var address = await factory.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            using var socket = new TcpClient();
            await socket.ConnectAsync(address.Host, address.Port);
            await socket.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
                "POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"instances\": [[1, "));
            await Task.Delay(50);
            socket.Client.LingerState = new LingerOption(true, 0);  // reset, as a killed client does
        }
        using var client = new HttpClient { BaseAddress = address };
        double gone = 0;
        string metrics = "";
        for (int i = 0; i < 100 && gone < 5; i++, await Task.Delay(20))
        {
            metrics = await client.GetStringAsync("/metrics");
            gone = metrics.Contains("kind=\"bad_request_body\"") ? PredictTests.Metric(metrics, "deepnet_predict_errors_total{status_class=\"4xx\",kind=\"bad_request_body\"}") : 0;
        }
        Assert.True(gone == 5, string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("deepnet_predict_errors", StringComparison.Ordinal)))
            + "\n" + string.Join("\n", factory.Logs.Select(l => $"{l.Level} {l.Category}: {l.Message}")));
        // Kestrel reports the cut as "Unexpected end of request content" (400): one warning line per upload.
        Assert.DoesNotContain(factory.Logs, l => l.Error is not null || l.Level >= LogLevel.Error);
        Assert.Equal(5, factory.Logs.Count(l => l.Level == LogLevel.Warning && l.Message.Contains("Unexpected end of request content", StringComparison.Ordinal)));
    }
}
