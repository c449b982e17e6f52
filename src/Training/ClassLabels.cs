using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>Host copies of a classification batch: scores [N, C] and one class per sample (index targets, or the arg-max of one-hot/probability rows).</summary>
internal static class ClassLabels
{
    /// <summary>Throws naming <paramref name="metric"/> and both shapes unless output is [N, C] and target [N] or [N, C].</summary>
    public static (int Rows, int Classes) Check(string metric, Tensor output, Tensor target)
    {
        bool ok = output.Rank == 2 && output.Shape[1] > 1 && target.Shape[0] == output.Shape[0]
            && (target.Rank == 1 || (target.Rank == 2 && target.Shape[1] == output.Shape[1]));
        if (!ok)
            throw new ArgumentException($"{metric}: needs scores [N, C] (C > 1) and class indices [N] or one-hot rows [N, C], got output {output.Shape} and target {target.Shape}");
        return (output.Shape[0], output.Shape[1]);
    }

    /// <summary>The target class of each row; throws for an index that is not an integer in [0, C).</summary>
    public static int[] Targets(string metric, Tensor target, int classes)
    {
        if (target.DType is DType.Int64 or DType.Int32)
        {
            using var plain = target.Detach();
            using var ids = plain.To(DType.Int64);
            return Array.ConvertAll(ids.ToArray<long>(), v => v >= 0 && v < classes ? (int)v
                : throw new ArgumentException($"{metric}: target {v} is out of range for {classes} classes"));
        }
        float[] values = HostValues.Floats(target);
        if (target.Rank == 2) return ArgMaxRows(values, classes);
        var labels = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (v != MathF.Floor(v)) throw new ArgumentException($"{metric}: target {v} is not an integer class index");
            if (v < 0 || v >= classes) throw new ArgumentException($"{metric}: target {v} is out of range for {classes} classes");
            labels[i] = (int)v;
        }
        return labels;
    }

    /// <summary>Index of the largest value of each row of [N, C] (the first on ties, as torch.argmax).</summary>
    public static int[] ArgMaxRows(float[] values, int classes)
    {
        var result = new int[values.Length / classes];
        for (int r = 0; r < result.Length; r++)
        {
            var row = values.AsSpan(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            result[r] = best;
        }
        return result;
    }
}
