using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// Weight-only int8 embedding (torch.ao.nn.quantized.Embedding): the table [num_embeddings, dim]
/// quantized per row (symmetric), looked up and dequantized to float rows. A quarter of the float
/// table's memory and file size; no gradients (inference only).
/// </summary>
public sealed class QuantizedEmbedding : Module, IInferenceOnly, IQuantizedState
{
    private readonly QuantizedWeightSlots _slots;

    /// <summary>From a lookup table (<see cref="QuantizedWeight.QuantizeRows"/> or <see cref="QuantizedWeight.Rows"/>).</summary>
    public QuantizedEmbedding(QuantizedWeight table)
    {
        if (!table.IsLookupTable || table.Shape.Rank != 2)
            throw new ArgumentException($"quantized_embedding: the table must be a [num_embeddings, dim] lookup table, got {table.Shape}");
        NumEmbeddings = table.OutChannels;
        EmbeddingDim = table.InFeatures;
        _slots = new QuantizedWeightSlots("weight", "input", table, null, RegisterBuffer);
    }

    /// <summary>Quantizes a float embedding's table per row.</summary>
    public static QuantizedEmbedding FromFloat(Embedding embedding) => new(QuantizedWeight.QuantizeRows(embedding.Weight));

    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }

    /// <summary>The int8 table with one scale per row (from the Int8 "weight" and Float32 "weight_scale" slots).</summary>
    public QuantizedWeight Weight => _slots.Weight;

    /// <summary>ids of any shape → [..ids, dim].</summary>
    public override Tensor Forward(Tensor input) => Tensor.QuantizedEmbedding(input, _slots.Weight);

    IEnumerable<QuantizedWeightSlots> IQuantizedState.QuantizedSlots() => [_slots];

    private protected override void OnDeviceChanged(Device device) => _slots.Move(device);

    private protected override void OnDispose() => _slots.Dispose();

    protected override string Describe() => $"QuantizedEmbedding({NumEmbeddings}→{EmbeddingDim}, int8)";
}
