namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape math of the fused y = act(x + bias): x is viewed as [Outer, Channels, Inner] with the
/// bias [Channels] broadcast over Outer and Inner. x: [N, F] → (N, F, 1); x: [N, C, H, W] →
/// (N, C, H·W); x: [F] → (1, F, 1). Used by both backends and by autograd.
/// </summary>
public readonly record struct BiasActivationShape(int Outer, int Channels, int Inner)
{
    public long Size => (long)Outer * Channels * Inner;

    /// <summary>The geometry of x and bias shapes; throws naming the op and both shapes when bias is not [C].</summary>
    public static BiasActivationShape From(string op, int[] x, int[] bias)
    {
        int channelDim = x.Length >= 2 ? 1 : 0;
        if (x.Length == 0 || bias.Length != 1 || bias[0] != x[channelDim])
            throw new ArgumentException($"{op}: bias {ShapeMath.Format(bias)} must be [C] for input {ShapeMath.Format(x)} (C = dim {channelDim})");
        int outer = channelDim == 1 ? x[0] : 1, inner = 1;
        for (int d = 2; d < x.Length; d++) inner *= x[d];
        return new BiasActivationShape(outer, x[channelDim], inner);
    }
}
