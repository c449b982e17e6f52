using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using FsCheck.Xunit;
using Xunit;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tests.Kernels.Cpu;

/// <summary>
/// CpuBackend.MatMul against a naive triple loop in double: random sizes covering the
/// micro-kernel's edge tiles, awkward fixed sizes, transposed and broadcast operands,
/// accumulation and batched rank-4 layouts.
/// </summary>
public class CpuMatMulTests
{
    // Inputs are uniform in [-1, 1]: float rounding of a K-term dot product stays far below this.
    private const double TolerancePerK = 1e-5;

    private static readonly IBackend Cpu = CpuBackend.Instance;

    [Property(MaxTest = 60)]
    public void Forward_MatchesNaive_ForRandomSizes(byte m, byte n, byte k, bool transposeA, bool transposeB, int seed)
    {
        int mm = 1 + m % 70, nn = 1 + n % 70, kk = 1 + k % 70;
        var a = Operand.Matrix(mm, kk, transposeA, seed);
        var b = Operand.Matrix(kk, nn, transposeB, seed + 1);
        CheckAgainstNaive(a, b, [mm, nn], accumulate: false, seed);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(127, 128, 129)]
    [InlineData(129, 127, 128)]
    [InlineData(128, 129, 127)]
    [InlineData(64, 99, 33)]
    [InlineData(300, 200, 150)]
    [InlineData(6, 64, 513)]
    [InlineData(7, 65, 600)]
    [InlineData(13, 2100, 20)]
    [InlineData(1, 300, 200)]
    [InlineData(300, 1, 200)]
    [InlineData(200, 300, 1)]
    [InlineData(4, 9, 70)]
    [InlineData(33, 8, 70)]
    public void Forward_MatchesNaive_AtAwkwardSizes(int m, int n, int k)
    {
        CheckAgainstNaive(Operand.Matrix(m, k, false, 1), Operand.Matrix(k, n, false, 2), [m, n], accumulate: false, 3);
    }

    [Theory]
    [InlineData(67, 45, 71)]
    [InlineData(1, 45, 71)]
    [InlineData(3, 130, 71)]
    [InlineData(67, 1, 71)]
    [InlineData(67, 7, 71)]
    [InlineData(259, 261, 300)]
    public void Forward_MatchesNaive_WithTransposedOperands(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
            CheckAgainstNaive(Operand.Matrix(m, k, ta, 4), Operand.Matrix(k, n, tb, 5), [m, n], accumulate: false, 6);
    }

    [Theory]
    [InlineData(1, 40, 30)]
    [InlineData(37, 2, 30)]
    [InlineData(37, 41, 30)]
    [InlineData(200, 190, 180)]
    public void Forward_Accumulates_WhenAsked(int m, int n, int k)
    {
        foreach (bool tb in new[] { false, true })
            CheckAgainstNaive(Operand.Matrix(m, k, false, 7), Operand.Matrix(k, n, tb, 8), [m, n], accumulate: true, 9);
    }

    [Theory]
    [InlineData(13, 17, 19)]
    [InlineData(1, 17, 19)]
    [InlineData(130, 140, 150)]
    public void Forward_MatchesNaive_WithBroadcastBatch(int m, int n, int k)
    {
        // a is one matrix seen 3 times (batch stride 0), b a dense batch of 3.
        var a = Operand.Strided([3, m, k], [0, k, 1], m * k, 10);
        var b = Operand.Strided([3, k, n], [k * n, n, 1], 3 * k * n, 11);
        CheckAgainstNaive(a, b, [3, m, n], accumulate: false, 12);
        // Then a dense batch times one transposed matrix seen 3 times, accumulating.
        var a2 = Operand.Strided([3, m, k], [m * k, k, 1], 3 * m * k, 13);
        var b2 = Operand.Strided([3, k, n], [0, 1, k], k * n, 14);
        CheckAgainstNaive(a2, b2, [3, m, n], accumulate: true, 15);
    }

    [Theory]
    [InlineData(5, 7, 9)]
    [InlineData(40, 33, 65)]
    [InlineData(2, 70, 3)]
    public void Forward_MatchesNaive_ForBatchedRank4Layouts(int m, int n, int k)
    {
        // a: [2, 3, M, K] stored as [3, K, 2, M] (a permuted view); b: [2, 3, K, N] broadcast over dim 0.
        var a = Operand.Strided([2, 3, m, k], [m, 2 * m * k, 1, 2 * m], 6 * m * k, 15);
        var b = Operand.Strided([2, 3, k, n], [0, k * n, n, 1], 3 * k * n, 16);
        CheckAgainstNaive(a, b, [2, 3, m, n], accumulate: false, 17);
        CheckAgainstNaive(a, b, [2, 3, m, n], accumulate: true, 18);
    }

    [Fact]
    public void Forward_ManySmallBatches_MatchNaive()
    {
        // Enough work to take the per-batch parallel split.
        var a = Operand.Strided([64, 24, 40], [24 * 40, 40, 1], 64 * 24 * 40, 19);
        var b = Operand.Strided([64, 40, 56], [1, 56 * 64, 64], 64 * 40 * 56, 20);
        CheckAgainstNaive(a, b, [64, 24, 56], accumulate: false, 21);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_WithEmptyK_ClearsOrKeepsOutput(bool accumulate)
    {
        CheckAgainstNaive(Operand.Matrix(5, 0, false, 22), Operand.Matrix(0, 9, false, 23), [5, 9], accumulate, 24);
    }

    [Fact]
    public void Forward_Throws_WhenShapesDisagree()
    {
        using var a = Cpu.Allocate(6);
        using var b = Cpu.Allocate(20);
        using var c = Cpu.Allocate(10);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.MatMul(
            a, StridedLayout.Contiguous([2, 3]), b, StridedLayout.Contiguous([4, 5]), c, StridedLayout.Contiguous([2, 5])));
        Assert.Contains("matmul", ex.Message);
        Assert.Contains("[2,3]", ex.Message.Replace(" ", ""));
    }

    private static void CheckAgainstNaive(Operand a, Operand b, int[] cShape, bool accumulate, int seed)
    {
        var cLayout = StridedLayout.Contiguous(cShape);
        float[] cInit = Operand.Random((int)cLayout.Size, seed);
        double[] want = Naive(a, b, cShape, accumulate ? cInit : null);

        using var da = Upload(a.Data);
        using var db = Upload(b.Data);
        using var dc = Upload(cInit);
        Cpu.MatMul(da, a.Layout, db, b.Layout, dc, cLayout, accumulate);
        var got = new float[cInit.Length];
        Cpu.CopyToHost(dc, 0, got);

        int k = a.Layout.Shape[^1];
        double tolerance = TolerancePerK * Math.Max(k, 1);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= tolerance,
                $"c[{i}] = {got[i]}, naive {want[i]} (a {a.Layout}, b {b.Layout}, accumulate {accumulate})");
    }

    private static DeviceBuffer Upload(float[] host)
    {
        var buffer = Cpu.Allocate(Math.Max(host.Length, 1));
        Cpu.CopyFromHost(host, buffer, 0);
        return buffer;
    }

    private static double[] Naive(Operand a, Operand b, int[] cShape, float[]? cInit)
    {
        int rank = cShape.Length, m = cShape[^2], n = cShape[^1], k = a.Layout.Shape[^1];
        int batches = 1;
        for (int d = 0; d < rank - 2; d++) batches *= cShape[d];
        var c = new double[batches * m * n];
        for (int bi = 0; bi < batches; bi++)
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = cInit is null ? 0 : cInit[(bi * m + i) * n + j];
            for (int p = 0; p < k; p++) sum += (double)a.At(bi, i, p) * b.At(bi, p, j);
            c[(bi * m + i) * n + j] = sum;
        }
        return c;
    }

    /// <summary>Host data plus the strided layout that views it.</summary>
    private sealed record Operand(float[] Data, StridedLayout Layout)
    {
        public static Operand Matrix(int rows, int cols, bool transposed, int seed) => transposed
            ? Strided([rows, cols], [1, rows], rows * cols, seed)
            : Strided([rows, cols], [cols, 1], rows * cols, seed);

        public static Operand Strided(int[] shape, int[] strides, int storage, int seed) =>
            new(Random(storage, seed), new StridedLayout(shape, strides, 0));

        public static float[] Random(int length, int seed)
        {
            var rng = new Random(seed);
            var data = new float[length];
            for (int i = 0; i < length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
            return data;
        }

        /// <summary>Element (batch bi in row-major batch order, row, col), from shape and strides alone.</summary>
        public float At(int bi, int row, int col)
        {
            int[] shape = Layout.Shape, strides = Layout.Strides;
            long pos = Layout.Offset + (long)row * strides[^2] + (long)col * strides[^1];
            for (int d = shape.Length - 3; d >= 0; d--)
            {
                pos += (long)(bi % shape[d]) * strides[d];
                bi /= shape[d];
            }
            return Data[pos];
        }
    }
}
