using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Adds the fixed sinusoidal positions of "Attention Is All You Need":
/// pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(p / 10000^(2i/d)), then dropout.
/// x: [L, N, d] ([N, L, d] batch-first, [L, d] unbatched), L ≤ maxLength; shape unchanged.
/// The table is the buffer <c>pe</c> [maxLength, d] (moves with the module, saved in the state dict).
/// </summary>
public sealed class SinusoidalPositionalEncoding : Module
{
    private readonly Tensor _table;
    private readonly Dropout _dropout;

    public SinusoidalPositionalEncoding(int dModel, int maxLength = 5000, float dropout = 0f, bool batchFirst = false, Generator? generator = null)
    {
        if (dModel < 1 || maxLength < 1)
            throw new ArgumentException($"sinusoidal_positional_encoding: d_model ({dModel}) and max_length ({maxLength}) must be positive");
        DModel = dModel;
        MaxLength = maxLength;
        BatchFirst = batchFirst;
        _table = RegisterBuffer("pe", Tensor.FromArray(Table(maxLength, dModel), [maxLength, dModel]));
        _dropout = RegisterModule("dropout", new Dropout(dropout, generator));
    }

    public int DModel { get; }
    public int MaxLength { get; }
    public bool BatchFirst { get; }

    /// <summary>The [maxLength, d] table, computed in double.</summary>
    public static float[] Table(int maxLength, int dModel)
    {
        var table = new float[maxLength * dModel];
        for (int p = 0; p < maxLength; p++)
            for (int j = 0; j < dModel; j++)
            {
                double angle = p / Math.Pow(10000.0, (j - j % 2) / (double)dModel);
                table[p * dModel + j] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        return table;
    }

    public override Tensor Forward(Tensor input) => PositionalAdd.Apply(input, _table, BatchFirst, _dropout, "sinusoidal_positional_encoding");

    protected override string Describe() => $"SinusoidalPositionalEncoding(d={DModel}, max={MaxLength})";
}
