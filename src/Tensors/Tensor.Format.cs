using System.Globalization;
using System.Text;
using DeepNet.Kernels;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// A PyTorch-like printout: tensor([[1.0000, 2.0000], ...], device=..., dtype=..., grad_fn=...).
// Values are formatted in the dtype's own terms (integers exactly, True/False); the dtype is
// shown for every dtype but float32 (torch omits only its defaults; here float32 alone is default).
public sealed partial class Tensor
{
    private const int SummarizeAbove = 1000;
    private const int EdgeItems = 3;

    public override string ToString()
    {
        if (_disposed) return $"tensor(<disposed>, shape={ShapeMath.Format(_shape)})";
        var data = FormattedValues();
        var sb = new StringBuilder("tensor(");
        bool summarize = data.Length > SummarizeAbove;
        if (Rank == 0) sb.Append(data[0]);
        else AppendDim(sb, data, 0, 0, "tensor(".Length, summarize);
        if (summarize || Rank > 1 || data.Length == 0) sb.Append(", size=").Append(Shape);
        if (Device != Device.Cpu) sb.Append(", device='").Append(Device).Append('\'');
        if (DType != DType.Float32) sb.Append(", dtype=").Append(DType);
        if (GradFn is not null) sb.Append(", grad_fn=<").Append(GradFn.Name).Append('>');
        else if (RequiresGrad) sb.Append(", requires_grad=True");
        return sb.Append(')').ToString();
    }

    private string[] FormattedValues()
    {
        if (DType == DType.Float32) return Array.ConvertAll(ToArray(), v => FormatValue(v));
        if (DType == DType.Bool) return Array.ConvertAll(ToArray<bool>(), v => v ? "True" : "False");
        using var plain = Detach();
        if (DType.IsInteger())
        {
            using var ids = plain.To(DType.Int64);
            return Array.ConvertAll(ids.ToArray<long>(), v => v.ToString(CultureInfo.InvariantCulture));
        }
        using var wide = plain.To(DType.Float64);
        return Array.ConvertAll(wide.ToArray<double>(), FormatValue);
    }

    private void AppendDim(StringBuilder sb, string[] data, int dim, long offset, int indent, bool summarize)
    {
        int size = _shape[dim];
        long block = 1;
        for (int d = dim + 1; d < Rank; d++) block *= _shape[d];
        sb.Append('[');
        for (int i = 0; i < size; i++)
        {
            if (summarize && size > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(dim == Rank - 1 ? "..., " : "...,\n" + new string(' ', indent + 1));
                i = size - EdgeItems;
            }
            if (dim == Rank - 1) sb.Append(data[offset + i]);
            else AppendDim(sb, data, dim + 1, offset + i * block, indent + 1, summarize);
            if (i < size - 1)
                sb.Append(dim == Rank - 1 ? ", " : "," + new string('\n', Rank - dim - 1) + new string(' ', indent + 1));
        }
        sb.Append(']');
    }

    private static string FormatValue(float v) =>
        float.IsNaN(v) ? "nan" : float.IsInfinity(v) ? (v > 0 ? "inf" : "-inf")
        : v.ToString(Math.Abs(v) >= 1e5f || (v != 0 && Math.Abs(v) < 1e-4f) ? "0.0000e+00" : "0.0000", CultureInfo.InvariantCulture);

    private static string FormatValue(double v) =>
        double.IsNaN(v) ? "nan" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf")
        : v.ToString(Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 1e-4) ? "0.0000e+00" : "0.0000", CultureInfo.InvariantCulture);
}
