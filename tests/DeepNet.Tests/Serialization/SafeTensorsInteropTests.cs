using DeepNet.Tensors;
using DeepNet.Layers;
using Xunit;
using DeepNet.Serialization;

namespace DeepNet.Tests.Serialization;

/// <summary>
/// Reads Fixtures/Torch/interop.safetensors, written by tools/FixtureGen from libtorch tensors with
/// its own independent writer (Python safetensors' layout: sorted by dtype size then name).
/// </summary>
public sealed class SafeTensorsInteropTests
{
    private const float RandnTolerance = 1e-4f;

    private static readonly SafeTensorsFile Fixture =
        SafeTensorsReader.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Torch", "interop.safetensors"));

    [Fact]
    public void Fixture_LoadsFloat32TensorsByNameWithRowMajorValues()
    {
        AssertTensor("f32.vector", [5], i => 0.5f * i[0] - 1);
        AssertTensor("f32.matrix", [2, 3], i => (3 * i[0] + i[1]) / 4f);
        AssertTensor("f32.cube", [4, 3, 2], i => 12 * i[2] + 4 * i[1] + i[0]);
        AssertTensor("f32.scalar", [], _ => 3.25f);
        AssertTensor("f32.empty", [0, 3], _ => 0f);
    }

    [Fact]
    public void Fixture_KeepsEveryDTypeOfAPyTorchFile()
    {
        Assert.Equal([0.0, 1 / 3.0, 2 / 3.0, 1.0], Fixture["f64.row"].ToArray<double>());
        Assert.Equal([-0.5f, -0.25f, 0f, 0.25f], Fixture["f16.row"].ToArray<Half>().Select(h => (float)h));
        Assert.Equal([1f, 1.5f, 2f, 2.5f], Fixture["bf16.row"].ToArray<DeepNet.Kernels.BFloat16>().Select(h => (float)h));
        Assert.Equal([-3L, 0L, 5L, 1L << 40], Fixture["i64.row"].ToArray<long>());
        Assert.Equal([-3, -2, -1, 0, 1, 2], Fixture["i32.matrix"].ToArray<int>());
        Assert.Equal(DType.Int32, Fixture["i32.matrix"].DType);
        // Asked for float32, a file tensor converts explicitly.
        using var f32 = Fixture["f64.row"].ToTensor().To(DType.Float32);
        Assert.Equal([0f, 1 / 3f, 2 / 3f, 1f], f32.ToArray());
    }

    [Fact]
    public void Fixture_RandnMatchesPyTorchSeedZero()
    {
        // torch.manual_seed(0); torch.randn(3, 4) as printed by Python PyTorch (4 decimals).
        float[] python = [1.5410f, -0.2934f, -2.1788f, 0.5684f, -1.0845f, -1.3986f, 0.4033f, 0.8380f, -0.7193f, -0.4033f, -0.5966f, 0.1820f];
        NamedArray randn = Fixture["f32.randn"];

        Assert.Equal([3, 4], randn.Shape);
        for (int i = 0; i < python.Length; i++)
        {
            Assert.InRange(randn.Data[i], python[i] - RandnTolerance, python[i] + RandnTolerance);
        }

        double sum = randn.Data.Sum(v => (double)v);
        Assert.Equal(double.Parse(Fixture.Metadata["f32.randn.sum"], System.Globalization.CultureInfo.InvariantCulture), sum, 1e-9);
    }

    [Fact]
    public void Fixture_HasMetadataAndElevenTensors()
    {
        Assert.Equal("pt", Fixture.Metadata["format"]);
        Assert.Equal(11, Fixture.Arrays.Count);
        // The tool sorts by element size: the 8-byte dtypes come first.
        Assert.Equal(["f64.row", "i64.row"], Fixture.Names.Take(2));
    }

    private static void AssertTensor(string name, int[] shape, Func<int[], float> expected)
    {
        NamedArray array = Fixture[name];
        Assert.Equal(shape, array.Shape);
        var index = new int[shape.Length];
        for (int flat = 0; flat < array.Data.Length; flat++)
        {
            // Row-major: the last index varies fastest.
            int rest = flat;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }

            Assert.True(expected(index) == array.Data[flat], $"{name}[{string.Join(", ", index)}] = {array.Data[flat]}, expected {expected(index)}");
        }
    }
}
