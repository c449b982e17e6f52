namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape math and hyper-parameters of the fused layer norm (torch.nn.functional.layer_norm): x is
/// viewed as [Rows, Cols] with Cols the product of the normalized (trailing) dims; weight and bias
/// are null or of the normalized shape, i.e. [Cols]. A plain struct: it is a GPU kernel argument.
/// </summary>
public readonly record struct LayerNormShape(int Rows, int Cols, int HasWeight, int HasBias, float Eps)
{
    public long Size => (long)Rows * Cols;

    /// <summary>
    /// The geometry of x normalized over its trailing <paramref name="normalizedShape"/> dims; throws
    /// naming the op and the shapes when they do not end x's shape or weight/bias are not of that shape.
    /// </summary>
    public static LayerNormShape From(string op, int[] x, int[] normalizedShape, int[]? weight, int[]? bias, float eps)
    {
        int k = normalizedShape.Length;
        if (k == 0 || k > x.Length || !x.AsSpan(x.Length - k).SequenceEqual(normalizedShape))
            throw new ArgumentException($"{op}: normalized shape {ShapeMath.Format(normalizedShape)} does not end shape {ShapeMath.Format(x)}");
        if (weight is not null && !weight.AsSpan().SequenceEqual(normalizedShape))
            throw new ArgumentException($"{op}: weight {ShapeMath.Format(weight)} must have the normalized shape {ShapeMath.Format(normalizedShape)}");
        if (bias is not null && !bias.AsSpan().SequenceEqual(normalizedShape))
            throw new ArgumentException($"{op}: bias {ShapeMath.Format(bias)} must have the normalized shape {ShapeMath.Format(normalizedShape)}");
        if (!(eps >= 0f)) throw new ArgumentException($"{op}: eps must be ≥ 0, got {eps}");
        long cols = ShapeMath.Size(normalizedShape), rows = ShapeMath.Size(x.AsSpan(0, x.Length - k));
        return new LayerNormShape((int)rows, (int)cols, weight is null ? 0 : 1, bias is null ? 0 : 1, eps);
    }
}
