namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape math of the max-pool primitive (torch.nn.functional.max_pool2d): Planes = N·C input planes
/// [H, W] → output planes [P, Q]; window (p, q) reads rows p·StrideH − PadH + i·DilationH (i &lt; R)
/// and columns likewise (j &lt; S); positions outside the plane are skipped (padding reads −∞).
/// P and Q come from the caller, which applies floor or ceil mode (torch's rule). A plain struct: a GPU kernel argument.
/// </summary>
public readonly record struct MaxPool2DGeometry(int Planes, int H, int W, int R, int S,
    int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int P, int Q)
{
    public long OutputSize => (long)Planes * P * Q;
    public long InputSize => (long)Planes * H * W;
}
