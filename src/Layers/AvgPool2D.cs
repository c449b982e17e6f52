using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Average pooling (torch.nn.AvgPool2D with count_include_pad). x: [N, C, H, W] → [N, C, P, Q];
/// stride defaults to the kernel size.
/// </summary>
public sealed class AvgPool2D : Pool2D
{
    public AvgPool2D(int kernelSize, int? stride = null, int padding = 0)
        : this((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding))
    {
    }

    public AvgPool2D((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null)
        : base(kernelSize, stride, padding)
    {
    }

    public override Tensor Forward(Tensor input) => input.AvgPool2D(KernelSize, Stride, Padding);
}
