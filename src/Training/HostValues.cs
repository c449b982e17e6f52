using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>Model outputs and losses read to the host whatever their float dtype (a Float64 model, a 16-bit output under autocast).</summary>
internal static class HostValues
{
    /// <summary>A one-element loss or metric as a double: exact for Float64, widened for Float32 and 16-bit dtypes.</summary>
    public static double Scalar(Tensor value)
    {
        if (value.DType == DType.Float32) return value.Item();
        using var scope = new DisposeScope();
        return value.Detach().To(DType.Float64).Item<double>();
    }

    /// <summary>The values as floats (metrics score in float32 as before): a copy for any float dtype.</summary>
    public static float[] Floats(Tensor value)
    {
        if (value.DType == DType.Float32) return value.ToArray();
        using var scope = new DisposeScope();
        return value.Detach().To(DType.Float32).ToArray();
    }
}
