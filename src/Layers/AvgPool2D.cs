using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Average pooling (torch.nn.AvgPool2d, <see cref="Tensor.AvgPool2D"/>). x: [N, C, H, W] → [N, C, P, Q];
/// stride defaults to the kernel size; <see cref="CountIncludePad"/> (default true, as torch) counts
/// the zero padding in the divisor.
/// </summary>
public sealed class AvgPool2D : Pool2D
{
    public AvgPool2D(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        : this((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad)
    {
    }

    public AvgPool2D((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        bool ceilMode = false, bool countIncludePad = true)
        : base(kernelSize, stride, padding, ceilMode) => CountIncludePad = countIncludePad;

    /// <summary>Whether padded zeros count in each window's divisor.</summary>
    public bool CountIncludePad { get; }

    public override Tensor Forward(Tensor input) => input.AvgPool2D(KernelSize, Stride, Padding, CeilMode, CountIncludePad);
}
