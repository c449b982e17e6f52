using DeepNet.Kernels;
using DeepNet.Layers;
using DeepNet.Serialization;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Serialization;

/// <summary>Every dtype through safetensors bit for bit, and how a module loads a file of other dtypes.</summary>
public sealed class SafeTensorsDTypeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "deepnet-st-dtypes-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsDTypeTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void EveryDType_RoundTrips_BitForBit_WithItsHeaderName()
    {
        var arrays = DTypeSamples.All.Select(type =>
        {
            using var t = Tensor.FromHostArray(DTypeSamples.Values(type, (int)type, 10), [2, 5], Device.Cpu);
            return NamedArray.FromTensor(type.ToString(), t);
        }).ToList();
        byte[] bytes = SafeTensorsWriter.Serialize(arrays);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        foreach (string name in new[] { "F64", "F32", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL" })
            Assert.Contains($"\"dtype\":\"{name}\"", header);
        var file = SafeTensorsReader.Parse(bytes);
        foreach (var array in arrays)
        {
            Assert.True(array.ContentEquals(file[array.Name]), array.Name);
            Assert.Equal(array.DType, file[array.Name].DType);
        }
    }

    [Fact]
    public void Int64_2To53Plus1_RoundTripsExactly_ThroughAFileAndATensor()
    {
        long big = (1L << 53) + 1;   // 9007199254740993: float32 or float64 would give ...992
        string path = Path.Combine(_folder, "ids.safetensors");
        using (var ids = Tensor.FromArray(new[] { big, -big, long.MaxValue }))
            SafeTensorsWriter.Write(path, [NamedArray.FromTensor("ids", ids)]);
        var array = SafeTensorsReader.Read(path)["ids"];
        Assert.Equal(DType.Int64, array.DType);
        Assert.Equal([big, -big, long.MaxValue], array.ToArray<long>());
        using var back = array.ToTensor();
        Assert.Equal(big, back.ToArray<long>()[0]);
        Assert.Contains("Int64", Assert.Throws<InvalidOperationException>(() => array.Data).Message);
    }

    [Theory]
    [InlineData(DType.Float64)]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    public void Module_LoadsAFileOfAnotherFloatDType_ByAnExplicitRoundingCast(DType fileDType)
    {
        string path = Path.Combine(_folder, $"dense-{fileDType}.safetensors");
        using var source = new Dense(3, 2);
        var arrays = source.StateDict().Select(kv =>
        {
            using var cast = kv.Value.Detach().To(fileDType);
            return NamedArray.FromTensor(kv.Key, cast);
        }).ToList();
        SafeTensorsWriter.Write(path, arrays);
        using var target = new Dense(3, 2);
        target.Load(path);
        foreach (var (name, tensor) in target.StateDict())
        {
            Assert.Equal(DType.Float32, tensor.DType);
            using var expected = SafeTensorsReader.Read(path)[name].ToTensor().To(DType.Float32);
            Assert.Equal(expected.ToArray(), tensor.ToArray());
        }
    }

    [Fact]
    public void Module_LoadsPyTorchsInt64NumBatchesTracked_WhenExact_AndRefusesALossyInteger()
    {
        string path = Path.Combine(_folder, "bn.safetensors");
        using var bn = new BatchNorm1D(2);
        var arrays = bn.StateDict().Select(kv => kv.Key == "num_batches_tracked"
            ? NamedArray.Of("num_batches_tracked", [], new[] { 7L })
            : NamedArray.FromTensor(kv.Key, kv.Value)).ToList();
        SafeTensorsWriter.Write(path, arrays);
        using var target = new BatchNorm1D(2);
        target.Load(path);
        Assert.Equal(7f, target.NumBatchesTracked.Item());

        arrays[^1] = NamedArray.Of("num_batches_tracked", [], new[] { (1L << 24) + 1 });
        SafeTensorsWriter.Write(path, arrays);
        var error = Assert.Throws<ArgumentException>(() => target.Load(path));
        Assert.Contains("num_batches_tracked", error.Message);
        Assert.Contains("Int64", error.Message);
        Assert.Contains("Float32", error.Message);
        Assert.Equal(7f, target.NumBatchesTracked.Item());   // nothing was written
    }

    [Fact]
    public void NamedArray_ToArray_WithAnotherHostType_Throws()
    {
        var array = NamedArray.Of("mask", [2], new[] { true, false });
        Assert.Equal(DType.Bool, array.DType);
        Assert.Equal([true, false], array.ToArray<bool>());
        Assert.Contains("Bool", Assert.Throws<InvalidOperationException>(() => array.ToArray<byte>()).Message);
    }
}
