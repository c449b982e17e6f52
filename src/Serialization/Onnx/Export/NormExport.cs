using DeepNet.Layers;
using static DeepNet.Serialization.Onnx.Export.OnnxGraphBuilder;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// Eval-mode BatchNorm1D/2D (marked whole by its Forward under a capture) as an ONNX
/// BatchNormalization node, its parameters and running statistics the initializers of the module's
/// state names; without affine parameters, ones and zeros stand in. (LayerNorm is its own primitive,
/// LayerNormFunction, emitted as LayerNormalization wherever it runs.)
/// </summary>
internal static class NormExport
{
    public static string BatchNorm(OnnxEmitter e, OnnxGraphBuilder g, string x, BatchNorm norm, string path)
    {
        int[] channels = [norm.NumFeatures];
        return g.Node("BatchNormalization",
        [
            x,
            norm.Weight is { } w ? e.StateInitializer(Name(path, "weight"), w) : Filled(g, channels, 1f),
            norm.Bias is { } b ? e.StateInitializer(Name(path, "bias"), b) : Filled(g, channels, 0f),
            e.StateInitializer(Name(path, "running_mean"), norm.RunningMean),
            e.StateInitializer(Name(path, "running_var"), norm.RunningVar),
        ], Float("epsilon", norm.Eps));
    }

    private static string Name(string path, string local) => path.Length == 0 ? local : path + "." + local;

    private static string Filled(OnnxGraphBuilder g, int[] shape, float value)
    {
        var values = new float[shape.Aggregate(1, (n, d) => n * d)];
        Array.Fill(values, value);
        return g.FloatInitializer(null, values, shape);
    }
}
