using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Max pooling (torch.nn.MaxPool2d, <see cref="Tensor.MaxPool2D"/>). x: [N, C, H, W] → [N, C, P, Q];
/// stride defaults to the kernel size; dilation spaces the window; ceil mode keeps a last partial
/// window. <see cref="ForwardWithIndices"/> is return_indices=True.
/// </summary>
public sealed class MaxPool2D : Pool2D
{
    public MaxPool2D(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode)
    {
    }

    public MaxPool2D((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, bool ceilMode = false)
        : base(kernelSize, stride, padding, ceilMode)
    {
        Dilation = dilation ?? (1, 1);
        if (Dilation.H < 1 || Dilation.W < 1)
            throw new ArgumentException($"MaxPool2D: dilation must be positive, got {Dilation}");
    }

    /// <summary>The spacing of the window's elements (1: contiguous).</summary>
    public (int H, int W) Dilation { get; }

    public override Tensor Forward(Tensor input) => input.MaxPool2D(KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>The pooled values and each maximum's flat index h·W + w within its input plane (float32), as return_indices=True.</summary>
    public ValuesAndIndices ForwardWithIndices(Tensor input) =>
        input.MaxPool2DWithIndices(KernelSize, Stride, Padding, Dilation, CeilMode);
}
