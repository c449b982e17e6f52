using DeepNet.Tensors;
using System.Text;
using DeepNet.Layers;
using Xunit;
using static DeepNet.Tests.Serialization.SafeTensorsTestFiles;
using DeepNet.Serialization;

namespace DeepNet.Tests.Serialization;

public sealed class SafeTensorsCorruptionTests
{
    private const string Good = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    /// <summary>Case name, file bytes, and the fragments the message must contain (key, offset, problem).</summary>
    public static TheoryData<string, byte[], string[]> Cases() => new()
    {
        { "shorter than 8 bytes", [1, 2, 3], ["3 bytes", "offset 0"] },
        { "header length past end", Build(1000, new byte[20]), ["header length 1000", "offset 0", "past the end of the 28-byte file"] },
        { "absurd header length", Build(ulong.MaxValue, new byte[8]), [ulong.MaxValue.ToString(), "offset 0", "limit"] },
        { "not JSON", Build("{\"a\":{\"dtype\":", 0), ["not valid JSON", "file offset 8"] },
        { "invalid UTF-8", Build(2, [0x22, 0xFF]), ["not valid UTF-8", "header byte 1", "file offset 9"] },
        { "invalid UTF-8 in a name", Build(8, [.. "{\""u8, 0xC3, 0x28, .. "\":3}"u8]), ["not valid UTF-8", "header byte 2", "file offset 10"] },
        { "not an object", Build("[1, 2]", 0), ["is a JSON Array", "expected an object", "file offset 8"] },
        { "entry not an object", Build("{\"a\":3}", 0), ["'a'", "is a JSON Number"] },
        { "missing dtype", Build("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), ["'a'", "missing field 'dtype'"] },
        { "missing shape", Build("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), ["'a'", "missing field 'shape'"] },
        { "missing offsets", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), ["'a'", "missing field 'data_offsets'"] },
        { "unknown dtype", Build(Good.Replace("F32", "C64"), 8), ["'a'", "unknown or unsupported dtype 'C64'"] },
        { "dtype not a string", Build(Good.Replace("\"F32\"", "4"), 8), ["'a'", "'dtype'", "Number"] },
        { "negative dim", Build(Good.Replace("[2]", "[-2]"), 8), ["'a'", "shape[0] is -2"] },
        { "fractional dim", Build(Good.Replace("[2]", "[2.5]"), 8), ["'a'", "shape[0] is 2.5"] },
        { "offsets out of range", Build(Good, 4), ["'a'", "[0, 8]", "file offsets", "past the end of the 4-byte data region"] },
        { "begin after end", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), ["'a'", "[8, 0]", "begin after end"] },
        { "negative offset", Build(Good.Replace("[0,8]", "[-8,8]"), 8), ["'a'", "data_offsets[0] is -8"] },
        { "three offsets", Build(Good.Replace("[0,8]", "[0,4,8]"), 8), ["'a'", "3 items"] },
        { "byte length not shape size", Build(Good.Replace("[2]", "[3]"), 8), ["'a'", "[0, 8]", "spanning 8 bytes", "needs 12 bytes"] },
        {
            "overlap",
            Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
            ["'b'", "overlap 'a'", "data offset 8"]
        },
        {
            "hole",
            Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
            ["'b'", "hole", "bytes 4..8", "'a'"]
        },
        { "hole at start", Build(Good.Replace("[0,8]", "[4,12]"), 12), ["'a'", "hole", "bytes 0..4"] },
        { "trailing bytes", Build(Good, 12), ["data bytes 0..8", "12 bytes", "'a'"] },
        { "duplicate name", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), ["'a'", "appears twice"] },
        { "metadata not an object", Build("{\"__metadata__\":[1]}", 0), ["'__metadata__'", "Array"] },
        { "metadata value not a string", Build("{\"__metadata__\":{\"epoch\":3}}", 0), ["'__metadata__'", "'epoch'", "Number"] },
        { "huge shape", Build(Good.Replace("[2]", "[65536,65536]"), 8), ["'a'", "more elements than a .NET array holds"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_CorruptFile_ThrowsNamingTheFault(string name, byte[] file, string[] fragments)
    {
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(file));

        foreach (string fragment in fragments)
        {
            Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), $"{name}: message \"{error.Message}\" lacks \"{fragment}\"");
        }
    }

    [Fact]
    public void Read_CorruptFileOnDisk_ThrowsFormatException()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, Build(Good, 4));
            var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Read(path));
            Assert.IsAssignableFrom<IOException>(error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parse_GoodHandBuiltFile_Loads()
    {
        // Guards the cases above: the same builder with a consistent header does load.
        byte[] file = Build(Good, 8);
        Assert.Equal("a", Assert.Single(SafeTensorsReader.Parse(file).Arrays).Name);
        Assert.Equal(Encoding.UTF8.GetByteCount(Good), BitConverter.ToInt32(file, 0));
    }

    [Theory]
    [InlineData("F64", 8)]
    [InlineData("F16", 2)]
    [InlineData("BF16", 2)]
    [InlineData("I64", 8)]
    [InlineData("I32", 4)]
    [InlineData("I8", 1)]
    [InlineData("U8", 1)]
    [InlineData("BOOL", 1)]
    public void Parse_OtherDTypes_KeepTheirDType(string dtype, int size)
    {
        // Element 0 is all-zero bytes (0 in every dtype); element 1 is the dtype's encoding of 1.
        byte[] one = dtype switch
        {
            "F64" => BitConverter.GetBytes(1.0),
            "F16" => BitConverter.GetBytes((Half)1),
            "BF16" => [0x80, 0x3F],
            "I64" => BitConverter.GetBytes(1L),
            "I32" => BitConverter.GetBytes(1),
            _ => [1],
        };
        string json = $"{{\"x\":{{\"dtype\":\"{dtype}\",\"shape\":[2],\"data_offsets\":[0,{2 * size}]}}}}";
        byte[] header = Encoding.UTF8.GetBytes(json);
        byte[] file = Build((ulong)header.Length, [.. header, .. new byte[size], .. one]);

        NamedArray x = SafeTensorsReader.Parse(file)["x"];
        Assert.Equal(dtype, x.DType switch
        {
            DType.Float64 => "F64", DType.Float16 => "F16", DType.BFloat16 => "BF16", DType.Int64 => "I64",
            DType.Int32 => "I32", DType.Int8 => "I8", DType.UInt8 => "U8", DType.Bool => "BOOL", _ => "?",
        });
        using var values = x.ToTensor().To(DType.Float32);
        Assert.Equal([0f, 1f], values.ToArray());
    }

    [Theory]
    [InlineData("I16", 2)]
    [InlineData("U64", 8)]
    [InlineData("F8_E4M3", 1)]
    public void Parse_DTypeNoTensorHolds_IsRefusedNamingTensorAndDType(string dtype, int size)
    {
        string json = $"{{\"ids\":{{\"dtype\":\"{dtype}\",\"shape\":[2],\"data_offsets\":[0,{2 * size}]}}}}";
        byte[] header = Encoding.UTF8.GetBytes(json);
        byte[] file = Build((ulong)header.Length, [.. header, .. new byte[2 * size]]);
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(file));
        Assert.Contains("'ids'", error.Message);
        Assert.Contains($"'{dtype}'", error.Message);
    }
}
