using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>What <see cref="BertModel"/> returns: the last layer's hidden states and the pooled first token.</summary>
/// <param name="LastHiddenState">[N, S, hidden].</param>
/// <param name="PoolerOutput">[N, hidden]: tanh(dense(hidden[:, 0])), or null for a model built without the pooler.</param>
public sealed record BertOutput(Tensor LastHiddenState, Tensor? PoolerOutput) : IDisposable
{
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput?.Dispose();
    }
}
