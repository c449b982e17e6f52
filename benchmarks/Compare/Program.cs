// Side-by-side timings of DeepNet and libtorch (TorchSharp-cpu) in one process on the same cores:
// alternating batches, medians, one line per workload "name: deepnet_ms torch_ms ratio".
//   dotnet build -c Release benchmarks/Compare
//   source ../shared/torchsharp/enable.sh benchmarks/Compare/bin/Release/net10.0
//   dotnet benchmarks/Compare/bin/Release/net10.0/Compare.dll [--quick] [--only NAME,...] [--profile [--loop SECONDS]]
using System.CommandLine;
using DeepNet.Compare;

var quick = new Option<bool>("--quick") { Description = "Fewer repetitions and smaller batches: finishes in under a minute" };
var only = new Option<string?>("--only") { Description = "Comma-separated workload names (prefix match)" };
var threads = new Option<int>("--threads") { Description = "Threads for libtorch (DeepNet uses all cores)", DefaultValueFactory = _ => 2 };
var profile = new Option<bool>("--profile") { Description = "DeepNet only: managed bytes and CPU time per step (load-independent evidence)" };
var loop = new Option<double>("--loop") { Description = "With --profile: keep stepping for this many seconds (for a profiler)" };
var steps = new Option<int>("--steps") { Description = "With --profile: a fixed number of timed steps (default: about 300 ms worth)" };
var root = new RootCommand("DeepNet vs libtorch, side by side") { quick, only, threads, profile, loop, steps };
root.SetAction(parse =>
{
    bool isQuick = parse.GetValue(quick);
    TorchSharp.torch.set_num_threads(parse.GetValue(threads));
    string[] filters = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [];
    int repetitions = isQuick ? 5 : 15;
    double batchMs = isQuick ? 40 : 150;
    Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, torch threads {parse.GetValue(threads)}, repetitions {repetitions}, median ms per step");
    bool busy = MachineLoad.WarnIfBusy("before the run");
    foreach (var create in WorkloadCatalog.All(isQuick))
    {
        var (name, factory) = create;
        if (filters.Length > 0 && !filters.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase))) continue;
        var w = factory();
        try
        {
            if (parse.GetValue(profile))
            {
                DeepNetProfile.Run(w, parse.GetValue(loop), parse.GetValue(steps));
                continue;
            }
            var (dn, th) = Runner.Measure(w, repetitions, batchMs);
            string gflops = w.Flops > 0 ? $"  ({w.Flops / dn / 1e6:F1} vs {w.Flops / th / 1e6:F1} GFLOP/s)" : "";
            Console.WriteLine($"{w.Name}: {dn:F4} {th:F4} {dn / th:F3}{gflops}");
        }
        finally { w.Cleanup(); }
    }
    busy |= MachineLoad.WarnIfBusy("after the run");
    if (busy) Console.WriteLine("# warning: the machine was busy; rerun on a quiet machine before quoting these ratios");
    return 0;
});
return root.Parse(args).Invoke();
