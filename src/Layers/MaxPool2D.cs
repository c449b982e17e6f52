using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>Max pooling (torch.nn.MaxPool2D). x: [N, C, H, W] → [N, C, P, Q]; stride defaults to the kernel size.</summary>
public sealed class MaxPool2D : Pool2D
{
    public MaxPool2D(int kernelSize, int? stride = null, int padding = 0)
        : this((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding))
    {
    }

    public MaxPool2D((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null)
        : base(kernelSize, stride, padding)
    {
    }

    public override Tensor Forward(Tensor input) => input.MaxPool2D(KernelSize, Stride, Padding);
}
