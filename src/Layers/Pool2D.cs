namespace DeepNet.Layers;

/// <summary>
/// What the 2-d pooling layers share: window, stride (defaults to the window) and padding, and
/// their summary text. Subclasses only pick the reduction in Forward.
/// </summary>
public abstract class Pool2D : Module
{
    protected Pool2D((int H, int W) kernelSize, (int H, int W)? stride, (int H, int W)? padding)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
    }

    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }

    protected override string Describe()
    {
        var text = $"{GetType().Name}({KernelSize.H}x{KernelSize.W}";
        if (Stride != KernelSize) text += $", stride {Stride.H}x{Stride.W}";
        if (Padding != (0, 0)) text += $", pad {Padding.H}x{Padding.W}";
        return text + ")";
    }
}
