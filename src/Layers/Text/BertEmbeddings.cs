using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>
/// BERT's input embeddings: LayerNorm(word[ids] + position[0..S) + token_type[types]), then dropout.
/// ids, types: [N, S] integer ids (Int64, or Float32 holding integers) → [N, S, hidden]. Hugging Face's names:
/// word_embeddings, position_embeddings, token_type_embeddings, LayerNorm.
/// </summary>
public sealed class BertEmbeddings : Module
{
    private readonly Embedding _word, _position, _tokenType;
    private readonly LayerNorm _norm;
    private readonly Dropout _dropout;

    public BertEmbeddings(BertConfig config, Generator? generator = null)
    {
        _word = RegisterModule("word_embeddings", new Embedding(config.VocabSize, config.HiddenSize, generator, paddingIdx: config.PadTokenId));   // as HF BertEmbeddings
        _position = RegisterModule("position_embeddings", new Embedding(config.MaxPositionEmbeddings, config.HiddenSize, generator));
        _tokenType = RegisterModule("token_type_embeddings", new Embedding(config.TypeVocabSize, config.HiddenSize, generator));
        _norm = RegisterModule("LayerNorm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        _dropout = RegisterModule("dropout", new Dropout(config.HiddenDropoutProb, generator));
        MaxPositions = config.MaxPositionEmbeddings;
    }

    public int MaxPositions { get; }

    /// <summary>The word table, [vocab, hidden].</summary>
    public Embedding WordEmbeddings => _word;

    /// <summary>ids: [N, S] → [N, S, hidden] with token type 0 everywhere.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>ids, tokenTypeIds: [N, S] → [N, S, hidden].</summary>
    public Tensor Forward(Tensor inputIds, Tensor? tokenTypeIds)
    {
        if (inputIds.Rank != 2) throw new ArgumentException($"bert_embeddings: input ids {inputIds.Shape} must be [N, S]");
        int length = inputIds.ShapeArray[1];
        if (length > MaxPositions)
            throw new ArgumentException($"bert_embeddings: sequence length {length} exceeds max_position_embeddings {MaxPositions}");
        if (tokenTypeIds is not null && tokenTypeIds.Shape != inputIds.Shape)
            throw new ArgumentException($"bert_embeddings: token type ids {tokenTypeIds.Shape} must have the ids' shape {inputIds.Shape}");
        return DisposeScope.Run(() =>
        {
            var types = tokenTypeIds is null ? Tensor.Zeros(inputIds.ShapeArray, inputIds.Device) : BertModel.AsLookup(tokenTypeIds, "token type ids");
            var positions = Tensor.Arange(length, inputIds.Device).Unsqueeze(0);   // [1, S], broadcast over the batch
            var sum = _word.Call(BertModel.AsLookup(inputIds, "input ids")) + _tokenType.Call(types) + _position.Call(positions);
            return _dropout.Call(_norm.Call(sum));
        });
    }
}
