using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// Weight-only int8 embedding (torch.ao.nn.quantized.Embedding): the table [num_embeddings, dim]
/// quantized per row (symmetric), looked up and dequantized to float rows. A quarter of the float
/// table's memory and file size; no gradients (inference only).
/// </summary>
public sealed class QuantizedEmbedding : Module, IInferenceOnly, IQuantizedState
{
    private QuantizedWeight _weight;

    /// <summary>From a lookup table (<see cref="QuantizedWeight.QuantizeRows"/> or <see cref="QuantizedWeight.Rows"/>).</summary>
    public QuantizedEmbedding(QuantizedWeight table)
    {
        if (!table.IsLookupTable || table.Shape.Rank != 2)
            throw new ArgumentException($"quantized_embedding: the table must be a [num_embeddings, dim] lookup table, got {table.Shape}");
        _weight = table;
        NumEmbeddings = table.OutChannels;
        EmbeddingDim = table.InFeatures;
    }

    /// <summary>Quantizes a float embedding's table per row.</summary>
    public static QuantizedEmbedding FromFloat(Embedding embedding) => new(QuantizedWeight.QuantizeRows(embedding.Weight));

    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }

    /// <summary>The int8 table with one scale per row.</summary>
    public QuantizedWeight Weight => _weight;

    /// <summary>ids of any shape → [..ids, dim].</summary>
    public override Tensor Forward(Tensor input) => Tensor.QuantizedEmbedding(input, _weight);

    /// <summary>Replaces the table (loading a file); the shape must match.</summary>
    internal void LoadQuantized(QuantizedWeight table)
    {
        if (table.Shape != _weight.Shape) throw new ArgumentException($"quantized_embedding: table {table.Shape} does not match {_weight.Shape}");
        _weight.Dispose();
        _weight = table;
        OnDeviceChanged(Device);
    }

    IEnumerable<QuantizedPart> IQuantizedState.QuantizedParts() =>
        [new QuantizedPart("weight", "input", _weight, null, (w, _) => LoadQuantized(w))];

    private protected override void OnDeviceChanged(Device device)
    {
        if (device == _weight.Device) return;
        var moved = _weight.To(device);
        _weight.Dispose();
        _weight = moved;
    }

    private protected override void OnDispose() => _weight.Dispose();

    protected override string Describe() => $"QuantizedEmbedding({NumEmbeddings}→{EmbeddingDim}, int8)";
}
