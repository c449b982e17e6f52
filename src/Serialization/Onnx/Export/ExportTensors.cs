using System.Runtime.InteropServices;
using DeepNet.Serialization.Onnx.Proto;
using Google.Protobuf;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>The TensorProto writer: float32 and int64 tensors as little-endian raw_data, as exporters write them.</summary>
internal static class ExportTensors
{
    /// <summary>A float32 tensor of <paramref name="dims"/> holding <paramref name="values"/> (row-major).</summary>
    public static TensorProto Float(string name, ReadOnlySpan<float> values, IReadOnlyList<int> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (int d in dims) tensor.Dims.Add(d);
        tensor.RawData = ByteString.CopyFrom(LittleEndian(MemoryMarshal.AsBytes(values)));
        return tensor;
    }

    /// <summary>A 1-d int64 tensor (shapes, axes, slice bounds), or a scalar when <paramref name="scalar"/>.</summary>
    public static TensorProto Int64(string name, ReadOnlySpan<long> values, bool scalar = false)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        if (!scalar) tensor.Dims.Add(values.Length);
        tensor.RawData = ByteString.CopyFrom(LittleEndian(MemoryMarshal.AsBytes(values), elementSize: 8));
        return tensor;
    }

    // raw_data is little-endian by the ONNX spec; swap on the rare big-endian host.
    private static byte[] LittleEndian(ReadOnlySpan<byte> bytes, int elementSize = 4)
    {
        var copy = bytes.ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < copy.Length; i += elementSize) Array.Reverse(copy, i, elementSize);
        return copy;
    }
}
