using System.Text;
using DeepNet.Layers;

namespace DeepNet.Distributed;

/// <summary>
/// The parameter and buffer names and shapes of a model, compared across ranks before training:
/// ranks whose models differ would otherwise sum unrelated gradients (or hang on mismatched sizes).
/// </summary>
internal static class ModelSignature
{
    public static List<string> Of(Module module) =>
    [
        .. module.NamedParameters().Select(p => $"parameter '{p.Name}' {p.Tensor.Shape}"),
        .. module.NamedBuffers().Select(b => $"buffer '{b.Name}' {b.Tensor.Shape}"),
    ];

    /// <summary>Throws on every rank, with the same message naming the first difference, when any rank's model differs from rank 0's.</summary>
    public static void Verify(Communicator communicator, Module module)
    {
        var mine = Of(module);
        byte[] reference = Share(communicator, Encoding.UTF8.GetBytes(string.Join('\n', mine)), 0);
        var theirs = Encoding.UTF8.GetString(reference).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        string? difference = FirstDifference(theirs, mine, communicator.Rank);

        var differs = new double[communicator.Size];
        differs[communicator.Rank] = difference is null ? 0 : 1;
        communicator.AllReduceSum(differs);
        int first = Array.FindIndex(differs, d => d > 0);
        if (first < 0) return;
        string message = Encoding.UTF8.GetString(Share(communicator, Encoding.UTF8.GetBytes(difference ?? ""), first));
        throw new InvalidOperationException($"distributed_data_parallel: the ranks' models differ: {message}");
    }

    /// <summary>Where <paramref name="mine"/> (rank <paramref name="rank"/>) first departs from rank 0's <paramref name="reference"/>; null when equal.</summary>
    public static string? FirstDifference(IReadOnlyList<string> reference, IReadOnlyList<string> mine, int rank)
    {
        for (int i = 0; i < Math.Max(reference.Count, mine.Count); i++)
        {
            string theirs = i < reference.Count ? reference[i] : "nothing";
            string ours = i < mine.Count ? mine[i] : "nothing";
            if (theirs != ours) return $"entry {i}: rank 0 has {theirs}, rank {rank} has {ours}";
        }
        return null;
    }

    /// <summary>Rank <paramref name="root"/>'s bytes on every rank (length first, then the bytes).</summary>
    private static byte[] Share(Communicator communicator, byte[] bytes, int root)
    {
        var length = BitConverter.GetBytes(bytes.Length);
        communicator.Broadcast(length, root);
        var buffer = communicator.Rank == root ? bytes : new byte[BitConverter.ToInt32(length)];
        if (buffer.Length > 0) communicator.Broadcast(buffer, root);
        return buffer;
    }
}
