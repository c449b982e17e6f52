using System.Text;
using System.Text.Json;
using DeepNet.Layers;
using Xunit;
using DeepNet.Serialization;

namespace DeepNet.Tests.Serialization;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deepnet-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WriteThenRead_RoundTripsNamesShapesAndBits()
    {
        NamedArray[] arrays = SafeTensorsTestFiles.Sample();
        string path = Path.Combine(_dir, "model.safetensors");

        SafeTensorsWriter.Write(path, arrays);
        SafeTensorsFile loaded = SafeTensorsReader.Read(path);

        SafeTensorsTestFiles.AssertSameArrays(arrays, loaded.Arrays);
        Assert.Empty(loaded.Metadata);
        Assert.Equal([2, 1, 2, 2], loaded["conv.weight"].Shape);
    }

    [Fact]
    public void Metadata_RoundTrips()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "12", ["note"] = "ünïcode \"quoted\" \\ \n" };
        byte[] bytes = SafeTensorsWriter.Serialize(SafeTensorsTestFiles.Sample(), metadata);

        SafeTensorsFile loaded = SafeTensorsReader.Parse(bytes);

        Assert.Equal(metadata.OrderBy(kv => kv.Key), loaded.Metadata.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Serialize_MatchesUpstreamSafetensorsBytes()
    {
        // Expected bytes from the reference implementation's own serialization test
        // (safetensors, tensor.rs, test_serialization): one F32 [1, 2, 3] tensor "attn.0".
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0, .. Encoding.ASCII.GetBytes("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"),
            0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];

        byte[] actual = SafeTensorsWriter.Serialize([new NamedArray("attn.0", [1, 2, 3], [0f, 1f, 2f, 3f, 4f, 5f])]);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Serialize_EmptySet_MatchesUpstreamBytes()
    {
        // safetensors test_empty: "{}" padded with spaces to 8 bytes.
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], SafeTensorsWriter.Serialize([]));
    }

    [Fact]
    public void Parse_UpstreamDeserializationExample_Loads()
    {
        // safetensors tensor.rs test_deserialization: an I32 [2, 2] tensor of zeros.
        byte[] file = SafeTensorsTestFiles.Build("{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16);
        Assert.Equal(60, file[0]);

        NamedArray test = Assert.Single(SafeTensorsReader.Parse(file).Arrays);

        Assert.Equal("test", test.Name);
        Assert.Equal([2, 2], test.Shape);
        Assert.Equal(DeepNet.Tensors.DType.Int32, test.DType);
        Assert.Equal(new int[4], test.ToArray<int>());
    }

    [Fact]
    public void Serialize_HeaderIsPaddedSoDataIsEightByteAligned()
    {
        byte[] bytes = SafeTensorsWriter.Serialize([new NamedArray("x", [3], [1f, 2f, 3f])]);
        long headerLength = BitConverter.ToInt64(bytes, 0);

        Assert.Equal(0, headerLength % 8);
        using JsonDocument header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        JsonElement x = header.RootElement.GetProperty("x");
        Assert.Equal("F32", x.GetProperty("dtype").GetString());
        Assert.Equal(12, x.GetProperty("data_offsets")[1].GetInt32());
    }

    [Fact]
    public void Write_LeavesNoTempFileAndReplacesExistingFile()
    {
        string path = Path.Combine(_dir, "weights.safetensors");
        SafeTensorsWriter.Write(path, [new NamedArray("a", [1], [1f])]);
        SafeTensorsWriter.Write(path, [new NamedArray("b", [2], [2f, 3f])]);

        Assert.Equal([path], Directory.GetFiles(_dir));
        Assert.Equal("b", Assert.Single(SafeTensorsReader.Read(path).Arrays).Name);
    }

    [Fact]
    public void Write_WhenTheRenameFails_LeavesNoTempFile()
    {
        // The target is a directory, so the final rename fails after the temp file was written.
        string target = Path.Combine(_dir, "occupied");
        Directory.CreateDirectory(target);

        Assert.ThrowsAny<IOException>(() => SafeTensorsWriter.Write(target, SafeTensorsTestFiles.Sample()));

        Assert.Empty(Directory.GetFiles(_dir));
        Assert.True(Directory.Exists(target));
    }

    [Fact]
    public void Write_InvalidArrays_ThrowsAndKeepsTheExistingFile()
    {
        string path = Path.Combine(_dir, "keep.safetensors");
        SafeTensorsWriter.Write(path, [new NamedArray("a", [1], [1f])]);

        var mismatch = Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new NamedArray("w", [2, 2], [1f])]));
        var duplicate = Assert.Throws<ArgumentException>(() =>
            SafeTensorsWriter.Write(path, [new NamedArray("d", [1], [1f]), new NamedArray("d", [1], [2f])]));

        Assert.Contains("'w' has shape [2, 2] but 1 values", mismatch.Message);
        Assert.Contains("'d'", duplicate.Message);
        Assert.Equal([path], Directory.GetFiles(_dir));
        Assert.Equal("a", Assert.Single(SafeTensorsReader.Read(path).Arrays).Name);
    }

    [Fact]
    public void Indexer_UnknownName_ThrowsNamingTheKey()
    {
        SafeTensorsFile file = SafeTensorsReader.Parse(SafeTensorsWriter.Serialize(SafeTensorsTestFiles.Sample()));

        var error = Assert.Throws<KeyNotFoundException>(() => file["fc2.weight"]);

        Assert.Contains("'fc2.weight'", error.Message);
        Assert.Contains("fc1.weight", error.Message);
    }

    [Fact]
    public void Checkpoint_SaveLoad_RoundTripsArraysAndEpoch()
    {
        string path = Path.Combine(_dir, "ckpt.safetensors");
        var checkpoint = new Checkpoint(SafeTensorsTestFiles.Sample(), new Dictionary<string, string> { ["optimizer"] = "adam" });
        checkpoint.SetInt("epoch", 7);

        checkpoint.Save(path);
        Checkpoint loaded = Checkpoint.Load(path);

        SafeTensorsTestFiles.AssertSameArrays(checkpoint.Arrays, loaded.Arrays);
        Assert.Equal(7, loaded.GetInt("epoch"));
        Assert.Equal("adam", loaded.Metadata["optimizer"]);
        Assert.Equal([path], Directory.GetFiles(_dir));
        Assert.Contains("'step'", Assert.Throws<SafeTensorsFormatException>(() => loaded.GetInt("step")).Message);
        Assert.Contains("'optimizer'", Assert.Throws<SafeTensorsFormatException>(() => loaded.GetInt("optimizer")).Message);
    }
}
