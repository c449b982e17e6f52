using System.Buffers.Binary;
using System.Text;
using DeepNet.Layers;
using DeepNet.Serialization;

namespace DeepNet.Tests.Serialization;

/// <summary>Hand-built safetensors byte images and sample arrays for the serialization tests.</summary>
internal static class SafeTensorsTestFiles
{
    /// <summary>8-byte little-endian length of <paramref name="json"/>, the JSON, then <paramref name="dataLength"/> bytes.</summary>
    public static byte[] Build(string json, int dataLength)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        return Build((ulong)header.Length, [.. header, .. new byte[dataLength]]);
    }

    /// <summary>An explicit header length followed by arbitrary bytes.</summary>
    public static byte[] Build(ulong headerLength, byte[] rest)
    {
        var file = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength);
        rest.CopyTo(file, 8);
        return file;
    }

    /// <summary>Arrays covering the awkward cases: a scalar, an empty tensor, special float values.</summary>
    public static NamedArray[] Sample() =>
    [
        new("fc1.weight", [2, 3], [1f, -2.5f, 3.25f, 0f, -0f, 1e-30f]),
        new("fc1.bias", [3], [float.NaN, float.PositiveInfinity, float.NegativeInfinity]),
        new("scale", [], [0.125f]),
        new("empty", [0, 4], []),
        new("conv.weight", [2, 1, 2, 2], [.. Enumerable.Range(0, 8).Select(i => i * 0.5f - 1f)]),
    ];

    /// <summary>Asserts both lists hold the same names, shapes and bit-identical values, in order.</summary>
    public static void AssertSameArrays(IReadOnlyList<NamedArray> expected, IReadOnlyList<NamedArray> actual)
    {
        Xunit.Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Xunit.Assert.True(expected[i].ContentEquals(actual[i]), $"array {i} ('{expected[i].Name}') differs after the round trip");
        }
    }
}
