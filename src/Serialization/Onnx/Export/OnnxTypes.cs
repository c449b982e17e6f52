using DeepNet.Serialization.Onnx.Proto;
using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>DeepNet dtypes as ONNX TensorProto element types.</summary>
internal static class OnnxTypes
{
    public static int Of(DType dtype, TraceNode? node = null) => (int)(dtype switch
    {
        DType.Float32 => TensorProto.Types.DataType.Float,
        DType.Float64 => TensorProto.Types.DataType.Double,
        DType.Float16 => TensorProto.Types.DataType.Float16,
        DType.BFloat16 => TensorProto.Types.DataType.Bfloat16,
        DType.Int64 => TensorProto.Types.DataType.Int64,
        DType.Int32 => TensorProto.Types.DataType.Int32,
        DType.Int8 => TensorProto.Types.DataType.Int8,
        DType.UInt8 => TensorProto.Types.DataType.Uint8,
        DType.Bool => TensorProto.Types.DataType.Bool,
        _ => throw new OnnxExportException($"onnx export: dtype {dtype}{(node is null ? "" : " of " + node.Describe())} has no ONNX type"),
    });
}
