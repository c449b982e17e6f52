using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// A lookup table (torch.nn.Embedding): integer ids (stored as floats) of any shape → [..ids, dim].
/// The weight [numEmbeddings, dim] starts as N(0, 1), PyTorch's default.
/// </summary>
public sealed class Embedding : Module
{
    private readonly Tensor _weight;

    public Embedding(int numEmbeddings, int embeddingDim, Generator? generator = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentException($"embedding: sizes must be positive, got {numEmbeddings}×{embeddingDim}");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        _weight = RegisterParameter("weight", Init.Normal([numEmbeddings, embeddingDim], generator: generator));
    }

    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }

    /// <summary>The table, [numEmbeddings, dim].</summary>
    public Tensor Weight => _weight;

    public override Tensor Forward(Tensor input) =>
        IndexCheck.Run("embedding", "token id", "token id", "embeddings (num_embeddings)", input, NumEmbeddings, () => Tensor.Embedding(input, Weight));

    protected override string Describe() => $"Embedding({NumEmbeddings}→{EmbeddingDim})";
}
