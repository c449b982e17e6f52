namespace DeepNet.Kernels.Fused;

/// <summary>
/// One parameter's operands of a multi-tensor update as a GPU kernel sees them: device views, run
/// offsets, the step's constants and <see cref="Length"/>. A plain struct (views and scalars), so a
/// <see cref="MultiTensorChunk{TEntry}"/> of them is one kernel argument.
/// </summary>
public interface IMultiTensorEntry
{
    /// <summary>Elements of this parameter.</summary>
    int Length { get; }

    /// <summary>Updates element <paramref name="index"/> (0 ≤ index &lt; Length) with the op's formula.</summary>
    void Apply(int index);
}
