using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Turns the gather/index_select error of a bad class label or token id into one naming the
/// user-facing op ("nll_loss: target 10 is out of range for 10 classes"). The indices are read to
/// the host only after the inner op has failed, so the success path costs nothing.
/// </summary>
internal static class IndexCheck
{
    /// <summary>Runs <paramref name="body"/>; when it rejects an index, rethrows with a message for the first bad value of <paramref name="indices"/>.</summary>
    public static Tensor Run(string op, string noun, string kind, string range, Tensor indices, int limit, Func<Tensor> body, int? ignoreIndex = null)
    {
        try
        {
            return body();
        }
        catch (ArgumentException e)
        {
            if (indices.DType is DType.Int64 or DType.Int32)
            {
                using var plain = indices.Detach();
                using var ids = plain.To(DType.Int64);
                foreach (long id in ids.ToArray<long>())
                    if ((ignoreIndex is not { } skip || id != skip) && (id < 0 || id >= limit))
                        throw new ArgumentException($"{op}: {noun} {id} is out of range for {limit} {range}", e);
                throw;
            }
            if (indices.DType != DType.Float32) throw;
            foreach (float v in indices.ToArray())
            {
                if (ignoreIndex is { } ignore && v == ignore) continue;
                if (!float.IsFinite(v) || v != MathF.Floor(v))
                    throw new ArgumentException($"{op}: {noun} {v} is not an integer {kind} (expected 0..{limit - 1})", e);
                if (v < 0 || v >= limit)
                    throw new ArgumentException($"{op}: {noun} {v} is out of range for {limit} {range}", e);
            }
            throw;
        }
    }
}
