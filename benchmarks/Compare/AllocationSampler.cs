using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace DeepNet.Compare;

/// <summary>
/// Which types a step allocates: listens to the runtime's GCAllocationTick events (one per
/// ~100 KB allocated, naming the type that crossed the mark), so over many steps the counts are
/// proportional to the bytes each type takes. For --profile --alloc-types.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, int> _ticks = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);   // GC keyword
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        int i = e.PayloadNames.IndexOf("TypeName");
        if (i >= 0 && e.Payload![i] is string type) _ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
    }

    /// <summary>The sampled types, most frequent first, as "count type" lines.</summary>
    public IEnumerable<string> Report(int top) =>
        _ticks.OrderByDescending(kv => kv.Value).Take(top).Select(kv => $"  {kv.Value,6} {kv.Key}{Owners(kv.Key)}");

    // A closure's name (<>c__DisplayClass7_0) says nothing by itself: list the DeepNet types declaring one of that name.
    private static string Owners(string typeName)
    {
        if (!typeName.StartsWith("<>c", StringComparison.Ordinal)) return "";
        var owners = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name?.StartsWith("DeepNet", StringComparison.Ordinal) == true)
            .SelectMany(a => a.GetTypes())
            .Where(t => t.Name == typeName.Split('`')[0] + (typeName.Contains('`') ? "`" + typeName.Split('`')[1].Split('[')[0] : "") && t.DeclaringType is not null)
            .Select(t => t.DeclaringType!.Name).Distinct().Take(12);
        return $"  (declared in {string.Join(", ", owners)})";
    }
}
