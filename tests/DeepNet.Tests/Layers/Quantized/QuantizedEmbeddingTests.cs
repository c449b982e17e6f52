using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Quantized;
using DeepNet.Serialization;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers.Quantized;

/// <summary>
/// The weight-only int8 embedding returns exactly the dequantized rows of its table (CPU and GPU
/// emulator), stays within half a quantization step of the float table, refuses bad ids, and
/// round-trips through a file.
/// </summary>
[Collection(DeepNet.Tests.Kernels.Gpu.EmulatorCollection.Name)]
public class QuantizedEmbeddingTests
{
    [Fact]
    public void Forward_EqualsTheDequantizedRows_AndIsCloseToTheFloatTable()
    {
        using var embedding = new Embedding(11, 6, new Generator(1));
        using var q = QuantizedEmbedding.FromFloat(embedding);
        using var ids = Tensor.FromArray([3f, 0f, 10f, 3f, 7f, 1f], [2, 3]);
        using var noGrad = GradMode.NoGrad();
        using var y = q.Forward(ids);
        using var expected = embedding.Forward(ids);
        using var table = q.Weight.Dequantize();
        using var exact = Tensor.Embedding(ids, table);
        Assert.Equal([2, 3, 6], y.Shape.ToArray());
        Assert.Equal(exact.ToArray(), y.ToArray());
        float[] f = expected.ToArray(), a = y.ToArray(), w = embedding.Weight.ToArray();
        float step = w.Max(MathF.Abs) / 127f;
        for (int i = 0; i < f.Length; i++) Assert.True(MathF.Abs(f[i] - a[i]) <= step / 2 + 1e-6f, $"element {i}: {a[i]} vs {f[i]}");
    }

    [Fact]
    public void Forward_OnTheGpuEmulator_EqualsTheCpu()
    {
        using var embedding = new Embedding(9, 5, new Generator(2));
        using var cpu = QuantizedEmbedding.FromFloat(embedding);
        using var gpu = QuantizedEmbedding.FromFloat(embedding);
        gpu.To(Device.GpuEmulator);
        using var ids = Tensor.FromArray([8f, 0f, 4f, 4f]);
        using var onGpu = ids.To(Device.GpuEmulator);
        using var a = cpu.Forward(ids);
        using var b = gpu.Forward(onGpu);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void Forward_TakesInt64AndInt32Ids_LikeFloatIds_OnCpuAndEmulator()
    {
        using var embedding = new Embedding(12, 4, new Generator(5));
        using var q = QuantizedEmbedding.FromFloat(embedding);
        using var gpu = QuantizedEmbedding.FromFloat(embedding);
        gpu.To(Device.GpuEmulator);
        using var floats = Tensor.FromArray([11f, 0f, 5f, 5f, 2f, 7f], [3, 2]);
        using var longs = Tensor.FromArray<long>([11, 0, 5, 5, 2, 7], [3, 2]);
        using var ints = Tensor.FromArray<int>([11, 0, 5, 5, 2, 7], [3, 2]);
        using var expected = q.Forward(floats);
        using var a = q.Forward(longs);
        using var b = q.Forward(ints);
        using var onGpu = longs.To(Device.GpuEmulator);
        using var c = gpu.Forward(onGpu);
        Assert.Equal([3, 2, 4], a.Shape.ToArray());
        Assert.Equal(expected.ToArray(), a.ToArray());
        Assert.Equal(expected.ToArray(), b.ToArray());
        Assert.Equal(expected.ToArray(), c.ToArray());
        using var big = Tensor.FromArray<long>([3, 12]);
        Assert.Contains("token id 12 is out of range for 12 embeddings", Assert.Throws<ArgumentException>(() => q.Forward(big)).Message);
        using var flags = Tensor.FromArray([true, false]);
        Assert.Contains("must be Int64 or Int32", Assert.Throws<ArgumentException>(() => q.Forward(flags)).Message);
    }

    [Fact]
    public void Forward_RejectsAnOutOfRangeOrFractionalId()
    {
        using var q = QuantizedEmbedding.FromFloat(new Embedding(4, 2));
        using var big = Tensor.FromArray([1f, 4f]);
        Assert.Contains("token id 4 is out of range for 4 embeddings", Assert.Throws<ArgumentException>(() => q.Forward(big)).Message);
        using var half = Tensor.FromArray([1.5f]);
        Assert.Contains("not an integer", Assert.Throws<ArgumentException>(() => q.Forward(half)).Message);
    }

    [Fact]
    public void Quantize_WithEmbeddings_SwapsThem_AndTheFileRoundTrips()
    {
        using var model = new Sequential(new Embedding(20, 8, new Generator(3)), new Flatten(), new Dense(3 * 8, 2, generator: new Generator(4)));
        using var ids = Tensor.FromArray([1f, 2f, 19f, 0f, 5f, 5f], [2, 3]);
        Quantization.Quantize(model, [ids], new QuantizationOptions { Embeddings = true });
        Assert.IsType<QuantizedEmbedding>(model[0]);
        Assert.IsType<QuantizedDense>(model[2]);
        string dir = Directory.CreateTempSubdirectory("deepnet-int8-emb-").FullName;
        try
        {
            string path = Path.Combine(dir, "m.safetensors");
            model.Save(path);
            ModelArchitecture.Write(Path.Combine(dir, "m.json"), model, [3], classNames: ["a", "b"]);
            using var loaded = ModelArchitecture.Load(Path.Combine(dir, "m.json")).BuildWithWeights(path);
            using var noGrad = GradMode.NoGrad();
            using var y0 = model.Call(ids);
            using var y1 = loaded.Call(ids);
            Assert.Equal(y0.ToArray(), y1.ToArray());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
