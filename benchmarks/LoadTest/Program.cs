// Bounded load test for samples/Serving, loopback only.
//   dotnet run -c Release --project benchmarks/LoadTest -- models --out DIR [--mnist-weights FILE] [--data DIR]
//   dotnet run -c Release --project benchmarks/LoadTest -- run --url http://127.0.0.1:5077 --features 784
//       [--requests 2000] [--concurrency 16] [--duration-s 60] [--instances 1] [--v2-model NAME] [--metrics-url URL]
// "run" prints requests/s, p50/p90/p99 latency, per-status and 5xx counts and each failed request,
// and exits 1 on any 5xx or transport error. --v2-model sends v2 infer requests instead of /predict.
// balancer.sh runs it directly and through HAProxy while one replica is killed and another reloads.
using System.Globalization;
using DeepNet.LoadTest;

var options = Args.Parse(args.Skip(1));
return args.FirstOrDefault() switch
{
    "models" => DemoModels.Write(options.Get("out", "out/serving-models"), options.GetOrNull("mnist-weights"), options.GetOrNull("data")),
    "run" => await LoadRunner.RunAsync(new Uri(options.Get("url", "http://127.0.0.1:5077")),
        requests: int.Parse(options.Get("requests", "2000"), CultureInfo.InvariantCulture),
        concurrency: int.Parse(options.Get("concurrency", "16"), CultureInfo.InvariantCulture),
        maxDuration: TimeSpan.FromSeconds(double.Parse(options.Get("duration-s", "60"), CultureInfo.InvariantCulture)),
        instancesPerRequest: int.Parse(options.Get("instances", "1"), CultureInfo.InvariantCulture),
        features: int.Parse(options.Get("features", "784"), CultureInfo.InvariantCulture),
        v2Model: options.GetOrNull("v2-model"),
        metricsUrl: options.GetOrNull("metrics-url") is { } metrics ? new Uri(metrics) : null),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: LoadTest models --out DIR [--mnist-weights FILE] [--data DIR]");
    Console.Error.WriteLine("       LoadTest run --url http://127.0.0.1:PORT --features N [--requests N] [--concurrency N] [--duration-s S] [--instances N] [--v2-model NAME] [--metrics-url URL]");
    return 2;
}
