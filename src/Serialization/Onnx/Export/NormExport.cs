using DeepNet.Layers;
using static DeepNet.Serialization.Onnx.Export.OnnxGraphBuilder;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// LayerNorm and eval-mode BatchNorm1D/2D (marked whole by their Forward under a capture) as ONNX
/// LayerNormalization and BatchNormalization nodes, their parameters and running statistics the
/// initializers of the module's state names; without affine parameters, ones and zeros stand in.
/// </summary>
internal static class NormExport
{
    public static string LayerNorm(OnnxEmitter e, OnnxGraphBuilder g, string x, LayerNorm norm, string path)
    {
        var shape = norm.NormalizedShape.ToArray();
        var scale = norm.Weight is { } w ? e.StateInitializer(Name(path, "weight"), w) : Filled(g, shape, 1f);
        string[] inputs = norm.Bias is { } b ? [x, scale, e.StateInitializer(Name(path, "bias"), b)] : [x, scale];
        return g.Node("LayerNormalization", inputs, Int("axis", -shape.Length), Float("epsilon", norm.Eps));
    }

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
