namespace DeepNet.Tensors;

/// <summary>
/// What torch.max/min along a dim (and max_pool2d with return_indices) return: the values and
/// their indices (Int64, as torch). Deconstructs: <c>var (values, indices) = x.Max(1);</c>
/// </summary>
public readonly record struct ValuesAndIndices(Tensor Values, Tensor Indices) : IDisposable
{
    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Values.Dispose();
        Indices.Dispose();
    }
}
