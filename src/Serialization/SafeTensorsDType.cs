using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DeepNet.Serialization;

/// <summary>Element types a safetensors file may declare that this reader converts to float32.</summary>
internal enum SafeTensorsDType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

/// <summary>Names, sizes and float32 conversion of <see cref="SafeTensorsDType"/>.</summary>
internal static class SafeTensorsDTypeInfo
{
    /// <summary>The supported names as spelled in safetensors headers, for messages.</summary>
    public const string SupportedNames = "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL";

    /// <summary>Maps a header dtype string to the enum; false for anything else.</summary>
    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        SafeTensorsDType? parsed = name switch
        {
            "F64" => SafeTensorsDType.F64,
            "F32" => SafeTensorsDType.F32,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            "I64" => SafeTensorsDType.I64,
            "I32" => SafeTensorsDType.I32,
            "I16" => SafeTensorsDType.I16,
            "I8" => SafeTensorsDType.I8,
            "U8" => SafeTensorsDType.U8,
            "BOOL" => SafeTensorsDType.Bool,
            _ => null,
        };
        dtype = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }

    /// <summary>Bytes per element.</summary>
    public static int Size(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F64 or SafeTensorsDType.I64 => 8,
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.I16 => 2,
        _ => 1,
    };

    /// <summary>Decodes little-endian elements of <paramref name="dtype"/> into float32.</summary>
    public static float[] ToFloat32(ReadOnlySpan<byte> bytes, SafeTensorsDType dtype)
    {
        var result = new float[bytes.Length / Size(dtype)];
        if (dtype == SafeTensorsDType.F32 && BitConverter.IsLittleEndian)
        {
            // The common case is a straight copy.
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
            return result;
        }

        for (int i = 0; i < result.Length; i++)
        {
            result[i] = ReadElement(bytes, dtype, i);
        }

        return result;
    }

    private static float ReadElement(ReadOnlySpan<byte> bytes, SafeTensorsDType dtype, int i) => dtype switch
    {
        SafeTensorsDType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]),
        SafeTensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]),
        SafeTensorsDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]),
        // bfloat16 is the top half of a float32.
        SafeTensorsDType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16),
        SafeTensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
        SafeTensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
        SafeTensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]),
        SafeTensorsDType.I8 => (sbyte)bytes[i],
        SafeTensorsDType.U8 => bytes[i],
        _ => bytes[i] != 0 ? 1f : 0f,
    };
}
