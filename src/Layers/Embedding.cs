using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// A lookup table (torch.nn.Embedding): integer ids of any shape → [..ids, dim].
/// The weight [numEmbeddings, dim] starts as N(0, 1), PyTorch's default. With
/// <c>paddingIdx</c> (negative counts from the end, as torch) that row starts at zero and gets no
/// gradient, so it stays what it is set to while the rest trains.
/// </summary>
public sealed class Embedding : Module
{
    private readonly Tensor _weight;

    public Embedding(int numEmbeddings, int embeddingDim, Generator? generator = null, int? paddingIdx = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentException($"embedding: sizes must be positive, got {numEmbeddings}×{embeddingDim}");
        if (paddingIdx is int given && (given < -numEmbeddings || given >= numEmbeddings))
            throw new ArgumentException($"embedding: padding_idx {given} must be within num_embeddings {numEmbeddings} (from {-numEmbeddings} to {numEmbeddings - 1})");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is int p && p < 0 ? p + numEmbeddings : paddingIdx;
        var weight = Init.Normal([numEmbeddings, embeddingDim], generator: generator);
        if (PaddingIdx is int row)   // before it becomes a parameter: no autograd to step around
            using (var padding = weight.Narrow(0, row, 1))
                padding.Fill(0);
        _weight = RegisterParameter("weight", weight);
    }

    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }

    /// <summary>The row that gets no gradient (already counted from the front), or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table, [numEmbeddings, dim].</summary>
    public Tensor Weight => _weight;

    public override Tensor Forward(Tensor input) =>
        IndexCheck.Run("embedding", "token id", "token id", "embeddings (num_embeddings)", input, NumEmbeddings,
            () => Tensor.Embedding(input, Weight, PaddingIdx));

    protected override string Describe() => PaddingIdx is int p
        ? $"Embedding({NumEmbeddings}→{EmbeddingDim}, padding_idx={p})"
        : $"Embedding({NumEmbeddings}→{EmbeddingDim})";
}
