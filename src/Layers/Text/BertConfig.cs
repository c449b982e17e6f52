namespace DeepNet.Layers.Text;

/// <summary>
/// The sizes of a BERT model, with Hugging Face's BertConfig names and defaults (bert-base-uncased).
/// <c>all-MiniLM-L6-v2</c> is hidden 384, 6 layers, 12 heads, intermediate 1536.
/// </summary>
public sealed record BertConfig
{
    public int VocabSize { get; init; } = 30522;
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public float LayerNormEps { get; init; } = 1e-12f;
    public float HiddenDropoutProb { get; init; } = 0.1f;
    public float AttentionProbsDropoutProb { get; init; } = 0.1f;

    /// <summary>The padding token's id: <c>Forward(ids)</c> attends only to the other positions.</summary>
    public int PadTokenId { get; init; }

    /// <summary>Throws naming the first size that cannot build a model.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { ("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("num_hidden_layers", NumHiddenLayers),
            ("num_attention_heads", NumAttentionHeads), ("intermediate_size", IntermediateSize), ("max_position_embeddings", MaxPositionEmbeddings),
            ("type_vocab_size", TypeVocabSize) })
            if (value < 1) throw new ArgumentException($"bert: {name} must be positive, got {value}");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"bert: hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw new ArgumentException($"bert: pad_token_id {PadTokenId} is outside the vocabulary of {VocabSize}");
    }
}
