namespace DeepNet.Tensors;

/// <summary>Which Gelu <see cref="Tensor.Gelu"/> computes: torch's approximate='none' or 'tanh'.</summary>
public enum GeluApproximation
{
    /// <summary>Exact x·Φ(x) with the error function.</summary>
    None,
    /// <summary>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    Tanh,
}
