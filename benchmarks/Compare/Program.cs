// Side-by-side timings of DeepNet and libtorch (TorchSharp-cpu) in one process on the same cores:
// alternating batches, medians, one line per workload "name: deepnet_ms torch_ms ratio"; then the
// peak RSS of each training workload per library, each in a child process of its own.
//   dotnet build -c Release benchmarks/Compare
//   source ../shared/torchsharp/enable.sh benchmarks/Compare/bin/Release/net10.0
//   dotnet benchmarks/Compare/bin/Release/net10.0/Compare.dll [--quick] [--only NAME,...] [--profile [--side torch] [--loop SECONDS]] [--rss | --no-rss]
using System.CommandLine;
using System.Globalization;
using DeepNet.Compare;

var quick = new Option<bool>("--quick") { Description = "Fewer repetitions and smaller batches: finishes in under a minute" };
var only = new Option<string?>("--only") { Description = "Comma-separated workload names (prefix match)" };
var threads = new Option<int>("--threads") { Description = "Threads for libtorch (DeepNet uses all cores)", DefaultValueFactory = _ => 2 };
var profile = new Option<bool>("--profile") { Description = "One library only (DeepNet unless --side torch): managed bytes and CPU time per step (load-independent evidence)" };
var loop = new Option<double>("--loop") { Description = "With --profile: keep stepping for this many seconds (for a profiler)" };
var steps = new Option<int>("--steps") { Description = "With --profile: a fixed number of timed steps (default: about 300 ms worth)" };
var allocTypes = new Option<bool>("--alloc-types") { Description = "With --profile: sample which types the DeepNet step allocates" };
var rssOnly = new Option<bool>("--rss") { Description = "Only the peak-RSS table (no timings)" };
var noRss = new Option<bool>("--no-rss") { Description = "Only the timings (no peak-RSS table)" };
var rssSteps = new Option<int>("--rss-steps") { Description = "Measured steps per peak-RSS child (after 3 warm-up steps)", DefaultValueFactory = _ => 50 };
var rssTrace = new Option<bool>("--rss-trace") { Description = "Print the RSS after every step of each child" };
var rssChild = new Option<string?>("--rss-child") { Description = "Internal: run one side of one workload and report its RSS", Hidden = true };
var side = new Option<string>("--side") { Description = "With --profile (or the internal --rss-child): deepnet or torch", DefaultValueFactory = _ => "deepnet" };
var root = new RootCommand("DeepNet vs libtorch, side by side") { quick, only, threads, profile, loop, steps, allocTypes, rssOnly, noRss, rssSteps, rssTrace, rssChild, side };
root.SetAction(parse =>
{
    if (parse.GetValue(rssChild) is string childName)
    {
        string childSide = parse.GetValue(side)!;
        if (childSide == "torch") TorchSharp.torch.set_num_threads(parse.GetValue(threads));
        var entry = WorkloadCatalog.All(quick: false).Single(e => e.Name == childName);
        return MemoryProbe.RunChild(entry.Create(), childSide, parse.GetValue(rssSteps));
    }
    bool isQuick = parse.GetValue(quick);
    string[] filters = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [];
    int repetitions = isQuick ? 5 : 15;
    double batchMs = isQuick ? 40 : 150;
    bool timings = !parse.GetValue(rssOnly), memory = !parse.GetValue(noRss) && !parse.GetValue(profile);
    Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, torch threads {parse.GetValue(threads)}, repetitions {repetitions}, median ms per step, load {MachineLoad.OneMinute():F1}");
    bool busy = MachineLoad.WarnIfBusy("before the run");
    var selected = WorkloadCatalog.All(isQuick)
        .Where(e => filters.Length == 0 || filters.Any(f => e.Name.StartsWith(f, StringComparison.OrdinalIgnoreCase))).ToList();
    if (timings)
    {
        bool profileTorch = parse.GetValue(side) == "torch";
        if (!parse.GetValue(profile) || profileTorch) TorchSharp.torch.set_num_threads(parse.GetValue(threads));
        foreach (var (_, create) in selected)
        {
            var w = create();
            if (parse.GetValue(profile))
            {
                DeepNetProfile.Run(w, parse.GetValue(loop), parse.GetValue(steps), parse.GetValue(allocTypes), profileTorch);
                continue;
            }
            var (dn, th) = Runner.Measure(w, repetitions, batchMs);
            string gflops = w.Flops > 0 ? $"  ({w.Flops / dn / 1e6:F1} vs {w.Flops / th / 1e6:F1} GFLOP/s)" : "";
            Console.WriteLine($"{w.Name}: {dn:F4} {th:F4} {dn / th:F3}{gflops}");
        }
    }
    if (memory)
    {
        int n = parse.GetValue(rssSteps);
        Console.WriteLine($"# peak RSS (MB, VmHWM of a child process per workload and library; {MemoryProbe.WarmupSteps} warm-up + {n} steps; first→last: RSS after the first and last measured step)");
        foreach (var (name, create) in selected)
        {
            if (!create().Training) continue;
            var dn = MemoryProbe.Measure(name, "deepnet", n, parse.GetValue(threads));
            var th = MemoryProbe.Measure(name, "torch", n, parse.GetValue(threads));
            if (dn is null || th is null) continue;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: rss {dn.PeakMb:F0} {th.PeakMb:F0} {dn.PeakMb / th.PeakMb:F3}  (deepnet {dn.FirstMb:F0}→{dn.LastMb:F0}, baseline {dn.BaselineMb:F0}, {dn.Extra}; torch {th.FirstMb:F0}→{th.LastMb:F0}, baseline {th.BaselineMb:F0})"));
            if (parse.GetValue(rssTrace))
            {
                Console.WriteLine($"  deepnet trace: {string.Join(' ', dn.TraceMb.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}");
                Console.WriteLine($"  torch trace: {string.Join(' ', th.TraceMb.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}");
            }
        }
    }
    busy |= MachineLoad.WarnIfBusy("after the run");
    if (busy) Console.WriteLine("# warning: the machine was busy; rerun on a quiet machine before quoting these ratios");
    return 0;
});
return root.Parse(args).Invoke();
