using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Adds a trained position embedding (BERT/GPT style), then dropout: x + weight[:L].
/// <c>weight</c> [maxLength, d] starts as N(0, initStd²). x: [L, N, d] ([N, L, d] batch-first,
/// [L, d] unbatched), L ≤ maxLength; shape unchanged.
/// </summary>
public sealed class LearnedPositionalEncoding : Module
{
    private readonly Tensor _weight;
    private readonly Dropout _dropout;

    public LearnedPositionalEncoding(int maxLength, int dModel, float dropout = 0f, bool batchFirst = false,
        float initStd = 0.02f, Generator? generator = null)
    {
        if (dModel < 1 || maxLength < 1)
            throw new ArgumentException($"learned_positional_encoding: d_model ({dModel}) and max_length ({maxLength}) must be positive");
        DModel = dModel;
        MaxLength = maxLength;
        BatchFirst = batchFirst;
        _weight = RegisterParameter("weight", Init.Normal([maxLength, dModel], 0f, initStd, generator));
        _dropout = RegisterModule("dropout", new Dropout(dropout, generator));
    }

    public int DModel { get; }
    public int MaxLength { get; }
    public bool BatchFirst { get; }

    /// <summary>The position table, [maxLength, d].</summary>
    public Tensor Weight => _weight;

    public override Tensor Forward(Tensor input) => PositionalAdd.Apply(input, Weight, BatchFirst, _dropout, "learned_positional_encoding");

    protected override string Describe() => $"LearnedPositionalEncoding(d={DModel}, max={MaxLength})";
}
