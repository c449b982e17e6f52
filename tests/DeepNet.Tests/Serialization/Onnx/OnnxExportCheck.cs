using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Serialization.Onnx;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = DeepNet.Tensors.Tensor;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>
/// The ORT check for exported models: export on one sample, then run ONNX Runtime on inputs of two
/// batch sizes (neither the traced ones) and compare with DeepNet's eval-mode forward within
/// 1e-4 abs + 1e-4 rel.
/// </summary>
public static class OnnxExportCheck
{
    public const double Abs = 1e-4, Rel = 1e-4;

    /// <summary>
    /// Exports <paramref name="model"/> with a sample made by <paramref name="input"/>(2) and checks ORT on
    /// input(1) and input(3) (batch sizes along <paramref name="batchDim"/>). Returns the model bytes.
    /// </summary>
    public static byte[] AgreesWithOnnxRuntime(Module model, Func<int, Tensor> input, int batchDim = 0)
    {
        model.Eval();
        using var sample = input(2);
        var bytes = model.ExportOnnx(sample, batchDim);
        using var session = new InferenceSession(bytes);
        foreach (int batch in new[] { 1, 3 })
        {
            using var x = input(batch);
            float[] expected;
            using (GradMode.NoGrad())
            using (var y = model.Forward(x))
                expected = y.ToArray();
            var actual = Run(session, x);
            TensorAssert.Close(expected, actual, Abs, Rel);
        }
        return bytes;
    }

    /// <summary>ONNX Runtime's output for <paramref name="x"/> (the graph's one input and output).</summary>
    public static float[] Run(InferenceSession session, Tensor x)
    {
        // The graph input has the sample's dtype: float values, or Int64 token ids as torch exports them.
        var input = x.DType == DType.Int64
            ? NamedOnnxValue.CreateFromTensor("input", new DenseTensor<long>(x.ToArray<long>(), x.Shape.ToArray()))
            : NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x.ToArray(), x.Shape.ToArray()));
        using var results = session.Run([input]);
        return results.Single(r => r.Name == "output").AsTensor<float>().ToArray();
    }
}
