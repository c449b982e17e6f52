using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>
/// BERT's multi-head self-attention projections and mixing (Hugging Face's BertSelfAttention):
/// per head softmax(q·kᵀ/√d + mask)·v, heads concatenated. hidden: [N, S, H], additive mask
/// [N, 1, 1, S] (0 where attended, −10000 at padding) → [N, S, H]. Children: query, key, value.
/// </summary>
public sealed class BertSelfAttention : Module
{
    private readonly Dense _query, _key, _value;
    private readonly Generator? _generator;

    public BertSelfAttention(BertConfig config, Generator? generator = null)
    {
        HiddenSize = config.HiddenSize;
        NumHeads = config.NumAttentionHeads;
        _query = RegisterModule("query", new Dense(HiddenSize, HiddenSize, generator: generator));
        _key = RegisterModule("key", new Dense(HiddenSize, HiddenSize, generator: generator));
        _value = RegisterModule("value", new Dense(HiddenSize, HiddenSize, generator: generator));
        AttentionDropout = config.AttentionProbsDropoutProb;
        _generator = generator;
    }

    /// <summary>Dropout on the attention weights in training mode.</summary>
    public float AttentionDropout { get; }

    public int HiddenSize { get; }
    public int NumHeads { get; }

    /// <summary>Every position attends to every position.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    public Tensor Forward(Tensor hidden, Tensor? additiveMask) => DisposeScope.Run(() =>
    {
        int n = hidden.ShapeArray[0], s = hidden.ShapeArray[1], h = NumHeads, d = HiddenSize / NumHeads;
        Tensor Heads(Dense projection) => projection.Call(hidden).Reshape(n, s, h, d).Permute(0, 2, 1, 3);   // [N, h, S, d]
        // The fused kernel in eval mode; with attention dropout in training it takes the materialized path.
        var mixed = Tensor.ScaledDotProductAttention(Heads(_query), Heads(_key), Heads(_value), additiveMask,
            IsTraining ? AttentionDropout : 0f, generator: _generator);                                    // [N, h, S, d]
        return mixed.Permute(0, 2, 1, 3).Reshape(n, s, HiddenSize);
    });
}
