namespace DeepNet.Layers;

/// <summary>
/// What the 2-d pooling layers share: window, stride (defaults to the window) and padding, and
/// their summary text. Subclasses only pick the reduction in Forward.
/// </summary>
public abstract class Pool2D : Module
{
    protected Pool2D((int H, int W) kernelSize, (int H, int W)? stride, (int H, int W)? padding, bool ceilMode)
    {
        CeilMode = ceilMode;
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
    }

    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }

    /// <summary>Whether the output size rounds up (torch's ceil_mode), keeping a last partial window.</summary>
    public bool CeilMode { get; }

    protected override string Describe()
    {
        var text = $"{GetType().Name}({KernelSize.H}x{KernelSize.W}";
        if (Stride != KernelSize) text += $", stride {Stride.H}x{Stride.W}";
        if (Padding != (0, 0)) text += $", pad {Padding.H}x{Padding.W}";
        if (CeilMode) text += ", ceil";
        return text + ")";
    }
}
