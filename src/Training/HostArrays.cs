using System.Runtime.InteropServices;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>Flat host arrays of any dtype's host type (float[], long[], bool[], ...) seen as bytes, for the dataset and loader copies.</summary>
internal static class HostArrays
{
    /// <summary>Elements [start, start + count) of <paramref name="array"/>, whose dtype is <paramref name="dtype"/>, as bytes.</summary>
    public static Span<byte> Bytes(Array array, DType dtype, int start, int count)
    {
        int size = dtype.Size();
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), array.Length * size).Slice(start * size, count * size);
    }

    /// <summary>A copy of elements [start, start + count).</summary>
    public static Array Slice(Array array, DType dtype, int start, int count)
    {
        var slice = Array.CreateInstance(dtype.HostType(), count);
        Bytes(array, dtype, start, count).CopyTo(Bytes(slice, dtype, 0, count));
        return slice;
    }

    /// <summary>The dtype whose host type is the array's element type; refuses any other array by name.</summary>
    public static DType DType(Array array)
    {
        var type = array.GetType();
        if (type.GetArrayRank() != 1) throw new ArgumentException($"dataset: {type.Name} is not a flat array; give the values row-major in a 1-d array");
        var element = type.GetElementType()!;
        foreach (var dtype in Enum.GetValues<Tensors.DType>())
            if (dtype.HostType() == element) return dtype;
        throw new ArgumentException($"dataset: {element.Name}[] is not the host array of any dtype (float, double, long, int, bool, Half, BFloat16, sbyte, byte)");
    }
}
