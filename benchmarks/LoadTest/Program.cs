// Bounded load test for samples/Serving, loopback only.
//   dotnet run -c Release --project benchmarks/LoadTest -- models --out DIR [--mnist-weights FILE] [--data DIR]
//   dotnet run -c Release --project benchmarks/LoadTest -- run --url http://127.0.0.1:5077 --features 784
//       [--requests 2000] [--concurrency 16] [--duration-s 60] [--instances 1]
// "run" prints requests/s, p50/p90/p99 latency and error/5xx counts, and exits 1 on any 5xx or transport error.
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
        features: int.Parse(options.Get("features", "784"), CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: LoadTest models --out DIR [--mnist-weights FILE] [--data DIR]");
    Console.Error.WriteLine("       LoadTest run --url http://127.0.0.1:PORT --features N [--requests N] [--concurrency N] [--duration-s S] [--instances N]");
    return 2;
}
