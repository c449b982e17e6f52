using DeepNet.Kernels.Fused;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Int8 embedding lookup for inference (Kernels/Fused/QuantizedEmbedding): no graph. The ids are
/// checked on the host first (they come from the host in inference, and the GPU kernel must never
/// read outside the table).
/// </summary>
internal static class QuantizedEmbeddingFunction
{
    public static Tensor Apply(Tensor ids, QuantizedWeight table)
    {
        const string op = "quantized_embedding";
        ids.ThrowIfDisposed();
        if (GraphCapture.IsActive)   // an ONNX export trace: the int8 lookup records no node
            throw new InvalidOperationException($"{op}: int8-quantized layers have no ONNX export; export the float model before quantizing it");
        if (!table.IsLookupTable || table.Shape.Rank != 2)
            throw new ArgumentException($"{op}: the table must be a [num_embeddings, dim] lookup table (QuantizedWeight.QuantizeRows), got {table.Shape}");
        if (table.Device != ids.Device)
            throw new ArgumentException($"{op}: ids are on {ids.Device} but the table on {table.Device}");
        int limit = table.OutChannels;
        // Any index dtype PyTorch's embedding takes: Int64 or Int32, or Float32 holding exact integers
        // (this library's older id tensors); checked here, then read by the kernel as Int32 (exact: every
        // id in range fits).
        if (ids.DType is DType.Int64 or DType.Int32)
        {
            using var plain = ids.Detach();
            using var wide = plain.To(DType.Int64);
            foreach (long v in wide.ToArray<long>())
                if (v < 0 || v >= limit) throw new ArgumentException($"{op}: token id {v} is out of range for {limit} embeddings (num_embeddings)");
        }
        else if (ids.DType == DType.Float32)
            foreach (float v in ids.ToArray())
            {
                if (!float.IsFinite(v) || v != MathF.Floor(v))
                    throw new ArgumentException($"{op}: token id {v} is not an integer token id (expected 0..{limit - 1})");
                if (v < 0 || v >= limit) throw new ArgumentException($"{op}: token id {v} is out of range for {limit} embeddings (num_embeddings)");
            }
        else throw new ArgumentException($"{op}: token ids must be Int64 or Int32 (or Float32 holding integers), got {ids.DType}");
        using var detached = ids.Detach();
        using var dense = detached.DType == DType.Int32 ? detached.Contiguous() : detached.To(DType.Int32);
        var output = Tensor.Empty([.. ids.ShapeArray, table.InFeatures], ids.Device);
        if (ids.Size > 0)
            ids.Backend.Run(new QuantizedEmbedding(dense.Buffer, dense.Layout.Offset, (int)ids.Size, table.Packed, output.Buffer));
        return output;
    }
}
