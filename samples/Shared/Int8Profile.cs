using System.Diagnostics;
using System.Globalization;
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Samples;

/// <summary>
/// Where one batch's forward spends its time: the model's modules called through Call are timed
/// by pre/post hooks (inclusive, summed by module type and name), the rest of the forward (what
/// modules do between their children: attention's score/PV part, residual adds, activations) is
/// the difference from the whole. Minimum over runs per entry, so a loaded machine's spikes drop out.
/// Optional pieces (named closures the caller builds from the model's parts, e.g. one attention call)
/// are timed on their own afterwards, the same way.
/// </summary>
public static class Int8Profile
{
    public static void Print(string label, Module model, Tensor batch, int runs = 15, IReadOnlyList<(string Name, Func<Tensor> Run)>? pieces = null)
    {
        model.Eval();
        using var noGrad = GradMode.NoGrad();
        var leaves = new List<(string Name, Module Module)>();
        Collect(model, "", leaves);
        var starts = new Dictionary<Module, long>();
        var totals = new Dictionary<string, double>();
        var mins = new Dictionary<string, double>();
        var handles = new List<HookHandle>();
        foreach (var (name, module) in leaves)
        {
            string key = $"{module.GetType().Name} {name}";
            handles.Add(module.RegisterForwardPreHook((m, _) => { starts[m] = Stopwatch.GetTimestamp(); return null; }));
            handles.Add(module.RegisterForwardHook((m, _, _) =>
            {
                totals[key] = totals.GetValueOrDefault(key) + Stopwatch.GetElapsedTime(starts[m]).TotalMilliseconds;
                return null;
            }));
        }
        try
        {
            for (int i = 0; i < 3; i++) model.Call(batch).Dispose();
            double best = double.MaxValue;
            for (int r = 0; r < runs; r++)
            {
                totals.Clear();
                long start = Stopwatch.GetTimestamp();
                model.Call(batch).Dispose();
                double whole = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                best = Math.Min(best, whole);
                foreach (var (k, v) in totals) mins[k] = Math.Min(mins.GetValueOrDefault(k, double.MaxValue), v);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: whole forward {best:F2} ms (min of {runs})"));
            double hooked = 0;
            foreach (var (k, v) in mins.OrderByDescending(kv => kv.Value))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {v,9:F2} ms  {k}"));
                hooked += v;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {best - hooked,9:F2} ms  (rest: between the timed modules)"));
            foreach (var (name, run) in pieces ?? [])
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Piece(run, runs),9:F2} ms  piece: {name}"));
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
        }
    }

    private static double Piece(Func<Tensor> run, int runs)
    {
        for (int i = 0; i < 3; i++) run().Dispose();
        double best = double.MaxValue;
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            run().Dispose();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return best;
    }

    // Leaves called through Call (Dense, LayerNorm, Embedding, their int8 forms, Dropout is skipped).
    private static void Collect(Module module, string prefix, List<(string, Module)> into)
    {
        foreach (var (name, child) in module.NamedChildren())
        {
            string path = prefix + name;
            if (!child.NamedChildren().Any()) { if (child is not Dropout) into.Add((path, child)); }
            else Collect(child, path + ".", into);
        }
    }
}
