using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>
/// BERT (Hugging Face's BertModel): embeddings → post-norm encoder layers (GELU) → pooler
/// (tanh(dense(first token))). Parameter names are Hugging Face's (embeddings.word_embeddings.weight,
/// encoder.layer.0.attention.self.query.weight, pooler.dense.bias, ...), so its safetensors load by
/// name (<c>HuggingFaceBert</c>) and ONNX exports import by structure (<c>BertOnnxImporter</c>).
/// ids: [N, S] integer token ids, Int64 or Float32 holding integers.
/// </summary>
public sealed class BertModel : Module
{
    /// <summary>Added to the attention scores at padding (Hugging Face's original value; exp underflows to 0).</summary>
    public const float MaskedScore = -10000f;

    private readonly BertEmbeddings _embeddings;
    private readonly BertEncoder _encoder;
    private readonly Dense? _pooler;

    public BertModel(BertConfig config, bool addPoolingLayer = true, Generator? generator = null)
    {
        config.Validate();
        Config = config;
        _embeddings = RegisterModule("embeddings", new BertEmbeddings(config, generator));
        _encoder = RegisterModule("encoder", new BertEncoder(config, generator));
        if (addPoolingLayer)
        {
            var pooler = RegisterModule("pooler", new BertPooler(config, generator));
            _pooler = pooler.Dense;
        }
    }

    public BertConfig Config { get; }

    public BertEmbeddings Embeddings => _embeddings;

    public BertEncoder Encoder => _encoder;

    /// <summary>True when the model has the pooler (its <see cref="BertOutput.PoolerOutput"/> is not null).</summary>
    public bool HasPooler => _pooler is not null;

    /// <summary>ids: [N, S] → last hidden state [N, S, hidden], attending to the tokens that are not <see cref="BertConfig.PadTokenId"/>.</summary>
    public override Tensor Forward(Tensor input)
    {
        using var output = Run(input, PaddingMask(input, Config.PadTokenId), null);
        return output.LastHiddenState.Detach();
    }

    /// <summary>
    /// The full output. attentionMask: [N, S], 1 where a token may be attended, 0 at padding (null: all 1);
    /// tokenTypeIds: [N, S] segment ids (null: all 0).
    /// </summary>
    public BertOutput Run(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        if (attentionMask is not null && attentionMask.Shape != inputIds.Shape)
            throw new ArgumentException($"bert: attention mask {attentionMask.Shape} must have the ids' shape {inputIds.Shape}");
        var (hidden, pooled) = DisposeScope.Run(() =>
        {
            var additive = attentionMask is null ? null
                : ((1f - AsLookup(attentionMask, "attention mask")) * MaskedScore).Reshape(inputIds.ShapeArray[0], 1, 1, inputIds.ShapeArray[1]);
            var hidden = _encoder.Forward(_embeddings.Forward(inputIds, tokenTypeIds), additive);
            var pooled = _pooler is null ? null : _pooler.Call(hidden.Select(1, 0));
            return (hidden, pooled);
        });
        return new BertOutput(hidden, pooled);
    }

    /// <summary>
    /// Throws unless a tokenizer's vocabulary (<paramref name="source"/>, e.g. its vocab.txt) has exactly
    /// as many tokens as the word embedding has rows: ids from a different vocabulary would read the wrong rows.
    /// </summary>
    public void CheckVocabulary(int tokenizerVocabularySize, string source)
    {
        if (tokenizerVocabularySize != Config.VocabSize)
            throw new ArgumentException($"bert: the tokenizer vocabulary '{source}' has {tokenizerVocabularySize} tokens but the word embedding " +
                $"(embeddings.word_embeddings.weight) has {Config.VocabSize} rows; use the vocabulary the model was trained with");
    }

    /// <summary>
    /// Ids, masks and token types as the lookups read them: Float32 as given, integer tensors (Int64,
    /// as tokenizers and Hugging Face produce them) converted to Float32 by an explicit cast, exact for
    /// every id below 2^24 (any larger id is outside every vocabulary and is refused by the lookup).
    /// </summary>
    internal static Tensor AsLookup(Tensor ids, string what) => ids.DType switch
    {
        DType.Float32 => ids,
        var t when t.IsInteger() || t == DType.Bool => ids.To(DType.Float32),
        var t => throw new ArgumentException($"bert: {what} must be integer ids (Int64) or Float32 holding integers, got {t}"),
    };

    /// <summary>[N, S] attention mask: 1 where <paramref name="ids"/> ≠ <paramref name="padId"/>, 0 at padding.</summary>
    public static Tensor PaddingMask(Tensor ids, int padId) => ids.DType == DType.Float32 ? ids.Ne(padId) : DisposeScope.Run(() => AsLookup(ids, "input ids").Ne(padId));

    protected override string Describe() =>
        $"BertModel(hidden={Config.HiddenSize}, layers={Config.NumHiddenLayers}, heads={Config.NumAttentionHeads}, vocab={Config.VocabSize})";
}
