using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>x + table[:L] broadcast over the batch, then dropout: the shared body of the positional encodings.</summary>
internal static class PositionalAdd
{
    /// <summary>x: [L, N, d], [N, L, d] (batch-first) or [L, d]; table: [maxLength, d].</summary>
    public static Tensor Apply(Tensor x, Tensor table, bool batchFirst, Dropout dropout, string op)
    {
        int maxLength = table.Shape[0], d = table.Shape[1];
        if ((x.Rank != 2 && x.Rank != 3) || x.Shape[-1] != d)
            throw new ArgumentException($"{op}: expected input [L, N, {d}], [N, L, {d}] or [L, {d}], got {x.Shape}");
        int length = x.Shape[x.Rank == 3 && batchFirst ? 1 : 0];
        if (length > maxLength)
            throw new ArgumentException($"{op}: sequence length {length} of input {x.Shape} exceeds max_length {maxLength}");
        return DisposeScope.Run(() =>
        {
            var positions = table.Narrow(0, 0, length);                                    // [L, d]
            return dropout.Call(x + (x.Rank == 2 ? positions.Reshape(length, d) : positions.Unsqueeze(batchFirst ? 0 : 1)));
        });
    }
}
