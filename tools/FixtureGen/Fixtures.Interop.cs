using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGen;

internal static partial class Fixtures
{
    /// <summary>
    /// Tensors of several shapes and dtypes with values given by simple formulas (exact in every
    /// dtype used), so SafeTensorsInteropTests can recompute them; plus one seeded randn tensor
    /// whose float64 sum is recorded in the metadata. Read by SafeTensorsInteropTests.
    /// </summary>
    [Fixture]
    public static void Interop(FixtureFile file)
    {
        file.Meta("format", "pt");
        file.Meta("generator", "tools/FixtureGen (TorchSharp-cpu 0.107.0)");

        // v[i] = 0.5 i - 1
        file.Add("f32.vector", arange(5, dtype: ScalarType.Float32) * 0.5 - 1);
        // m[i, j] = (3 i + j) / 4
        file.Add("f32.matrix", arange(6, dtype: ScalarType.Float32).reshape(2, 3) / 4);
        // c[i, j, k] = 12 k + 4 j + i: a non-contiguous permute of arange(24).reshape(2, 3, 4)
        file.Add("f32.cube", arange(24, dtype: ScalarType.Float32).reshape(2, 3, 4).permute(2, 1, 0));
        file.Add("f32.scalar", tensor(3.25f));
        file.Add("f32.empty", zeros(0, 3, dtype: ScalarType.Float32));
        // r[i] = i / 3, rounded to float32 by the reader
        file.Add("f64.row", arange(4, dtype: ScalarType.Float64) / 3);
        // h[i] = 0.25 i - 0.5
        file.Add("f16.row", arange(4, dtype: ScalarType.Float16) * 0.25 - 0.5);
        // b[i] = 0.5 i + 1
        file.Add("bf16.row", arange(4, dtype: ScalarType.BFloat16) * 0.5 + 1);
        file.Add("i64.row", tensor(new long[] { -3, 0, 5, 1L << 40 }));
        // n[i, j] = 2 i + j - 3
        file.Add("i32.matrix", arange(-3, 3, dtype: ScalarType.Int32).reshape(3, 2));

        manual_seed(0);
        Tensor random = randn(3, 4, dtype: ScalarType.Float32);
        file.Add("f32.randn", random);
        file.Meta("f32.randn.sum", random.to_type(ScalarType.Float64).sum().item<double>());
    }
}
