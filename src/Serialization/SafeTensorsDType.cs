using System.Buffers.Binary;
using System.Runtime.InteropServices;
using DeepNet.Kernels;
using DeepNet.Tensors;

namespace DeepNet.Serialization;

/// <summary>The safetensors dtype names, each the file form of one <see cref="DType"/>.</summary>
internal enum SafeTensorsDType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I8,
    U8,
    Bool,
}

/// <summary>Names, sizes and the lossless decoding/encoding of <see cref="SafeTensorsDType"/>.</summary>
internal static class SafeTensorsDTypeInfo
{
    /// <summary>The supported names as spelled in safetensors headers, for messages.</summary>
    public const string SupportedNames = "F64, F32, F16, BF16, I64, I32, I8, U8, BOOL";

    /// <summary>Valid safetensors dtypes that no DType holds: a file using one is refused naming it, never converted.</summary>
    public static bool IsUnrepresentable(string name) =>
        name is "I16" or "U16" or "U32" or "U64" or "F8_E4M3" or "F8_E5M2" or "F8_E8M0" or "F6_E2M3" or "F6_E3M2" or "F4";

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
            "I8" => SafeTensorsDType.I8,
            "U8" => SafeTensorsDType.U8,
            "BOOL" => SafeTensorsDType.Bool,
            _ => null,
        };
        dtype = parsed.GetValueOrDefault();
        return parsed.HasValue;
    }

    /// <summary>The header spelling of a tensor dtype.</summary>
    public static string Name(DType dtype) => dtype switch
    {
        DType.Float64 => "F64",
        DType.Float32 => "F32",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.Int8 => "I8",
        DType.UInt8 => "U8",
        _ => "BOOL",
    };

    public static DType ToDType(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F64 => DType.Float64,
        SafeTensorsDType.F32 => DType.Float32,
        SafeTensorsDType.F16 => DType.Float16,
        SafeTensorsDType.BF16 => DType.BFloat16,
        SafeTensorsDType.I64 => DType.Int64,
        SafeTensorsDType.I32 => DType.Int32,
        SafeTensorsDType.I8 => DType.Int8,
        SafeTensorsDType.U8 => DType.UInt8,
        _ => DType.Bool,
    };

    /// <summary>Bytes per element.</summary>
    public static int Size(SafeTensorsDType dtype) => ToDType(dtype).Size();

    /// <summary>Decodes little-endian elements into the host array of the matching dtype, bit for bit (BOOL: nonzero is true).</summary>
    public static Array Decode(ReadOnlySpan<byte> bytes, SafeTensorsDType dtype)
    {
        int n = bytes.Length / Size(dtype);
        Array result = dtype switch
        {
            SafeTensorsDType.F64 => new double[n],
            SafeTensorsDType.F32 => new float[n],
            SafeTensorsDType.F16 => new Half[n],
            SafeTensorsDType.BF16 => new BFloat16[n],
            SafeTensorsDType.I64 => new long[n],
            SafeTensorsDType.I32 => new int[n],
            SafeTensorsDType.I8 => new sbyte[n],
            SafeTensorsDType.U8 => new byte[n],
            _ => new bool[n],
        };
        Span<byte> target = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(result), bytes.Length);
        if (dtype == SafeTensorsDType.Bool)
        {
            for (int i = 0; i < n; i++) target[i] = bytes[i] != 0 ? (byte)1 : (byte)0;   // a .NET bool must be 0 or 1
        }
        else
        {
            bytes.CopyTo(target);
            if (!BitConverter.IsLittleEndian) ReverseEach(target, Size(dtype));
        }
        return result;
    }

    /// <summary>The little-endian bytes of a host array of <paramref name="dtype"/>.</summary>
    public static void Encode(Stream stream, ReadOnlySpan<byte> hostBytes, DType dtype)
    {
        if (BitConverter.IsLittleEndian || dtype.Size() == 1)
        {
            stream.Write(hostBytes);
            return;
        }
        byte[] copy = hostBytes.ToArray();
        ReverseEach(copy, dtype.Size());
        stream.Write(copy);
    }

    private static void ReverseEach(Span<byte> bytes, int size)
    {
        for (int i = 0; i + size <= bytes.Length; i += size) bytes.Slice(i, size).Reverse();
    }
}
