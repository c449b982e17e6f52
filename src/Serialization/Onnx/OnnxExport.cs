using DeepNet.Layers;
using DeepNet.Serialization.Onnx.Export;
using DeepNet.Tensors;
using Google.Protobuf;

namespace DeepNet.Serialization.Onnx;

/// <summary>
/// ONNX export (opset 17, IR version 8) of any module made of DeepNet ops: the forward is traced on a
/// sample input (in eval mode, twice, at two batch sizes) and every recorded op becomes ONNX nodes;
/// parameters and buffers are initializers named by their module path ("0.weight"), the input is
/// "input" with a symbolic dim "batch", the output "output". See docs/onnx.md for the supported ops.
/// </summary>
public static class OnnxExport
{
    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX file at <paramref name="path"/> (atomically: a crash
    /// leaves the old file or none). <paramref name="sampleInput"/> fixes every dim but
    /// <paramref name="batchDim"/> (0 by default; 1 for sequence-first recurrent models), which stays
    /// symbolic. Throws <see cref="OnnxExportException"/> naming the op that has no ONNX form.
    /// </summary>
    public static void ExportOnnx(this Module model, string path, Tensor sampleInput, int batchDim = 0)
    {
        var bytes = model.ExportOnnx(sampleInput, batchDim);   // built fully before the file is touched
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The ONNX model as bytes (see <see cref="ExportOnnx(Module, string, Tensor, int)"/>).</summary>
    public static byte[] ExportOnnx(this Module model, Tensor sampleInput, int batchDim = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampleInput);
        return OnnxExporter.Export(model, sampleInput, batchDim).ToByteArray();
    }

    /// <summary>Writes the ONNX model to <paramref name="stream"/>.</summary>
    public static void ExportOnnx(this Module model, Stream stream, Tensor sampleInput, int batchDim = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(model.ExportOnnx(sampleInput, batchDim));
    }
}
