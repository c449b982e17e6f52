namespace DeepNet.Tensors;

/// <summary>How a loss combines its per-element values, as PyTorch's <c>reduction</c> argument.</summary>
public enum Reduction
{
    /// <summary>The average over elements (over non-ignored targets for class losses).</summary>
    Mean,

    /// <summary>The sum over elements.</summary>
    Sum,

    /// <summary>The per-element losses, unreduced.</summary>
    None,
}
