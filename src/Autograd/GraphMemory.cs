using DeepNet.Kernels;
using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>What a recorded graph keeps for its backward (the activation memory of a training step).</summary>
public static class GraphMemory
{
    /// <summary>
    /// Bytes of the distinct storages saved for backward by every node of <paramref name="output"/>'s
    /// graph (a storage saved by several nodes, or through several views, counts once), leaving out the
    /// storages of <paramref name="excluding"/> (a model's parameters, which live anyway). 0 without a graph.
    /// </summary>
    public static long SavedBytes(Tensor output, IEnumerable<Tensor>? excluding = null)
    {
        output.ThrowIfDisposed();
        if (output.GradFn is null) return 0;
        var skip = new HashSet<DeviceBuffer>(ReferenceEqualityComparer.Instance);
        foreach (var t in excluding ?? []) skip.Add(t.Storage);
        var counted = new HashSet<DeviceBuffer>(ReferenceEqualityComparer.Instance);
        var visited = new HashSet<Function>(ReferenceEqualityComparer.Instance) { output.GradFn };
        var stack = new Stack<Function>([output.GradFn]);
        long bytes = 0;
        while (stack.TryPop(out var node))
        {
            foreach (var saved in node.SavedTensors)
                if (!skip.Contains(saved.Storage) && counted.Add(saved.Storage)) bytes += saved.Storage.ByteLength;
            foreach (var edge in node.Edges)
                if (edge.Producer is { } producer && visited.Add(producer)) stack.Push(producer);
        }
        return bytes;
    }
}
