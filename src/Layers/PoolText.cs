namespace DeepNet.Layers;

/// <summary>The summary text shared by the pooling layers.</summary>
internal static class PoolText
{
    public static string Describe(string name, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        var text = $"{name}({kernel.H}x{kernel.W}";
        if (stride != kernel) text += $", stride {stride.H}x{stride.W}";
        if (padding != (0, 0)) text += $", pad {padding.H}x{padding.W}";
        return text + ")";
    }
}
