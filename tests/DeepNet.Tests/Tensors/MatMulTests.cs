using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>Tensor.MatMul with torch.matmul semantics: forward against a triple loop in double, gradchecks per case.</summary>
public class MatMulTests
{
    // Inputs are uniform in [-1, 1]: the float error of a K-term dot product stays well under K·1e-6.
    private const double TolerancePerK = 1e-6;

    [Property(MaxTest = 40)]
    public void Forward_MatchesTripleLoop_ForRandomSizes(byte m, byte n, byte k, bool transposeA, int seed)
    {
        int mm = 1 + m % 70, nn = 1 + n % 70, kk = 1 + k % 70;
        var (a, _) = RandomData.Uniform(seed, [mm, kk]);
        var (b, _) = RandomData.Uniform(seed + 1, [kk, nn]);
        using var scope = new DisposeScope();
        // A transposed operand is stored [K, M] and viewed back as [M, K].
        var ta = transposeA ? Tensor.FromArray(Transposed(a, mm, kk), [kk, mm]).Transpose(0, 1) : Tensor.FromArray(a, [mm, kk]);
        var c = ta.MatMul(Tensor.FromArray(b, [kk, nn]));
        TensorAssert.ShapeIs([mm, nn], c);
        TensorAssert.Close(Naive(a, b, mm, nn, kk), c, abs: TolerancePerK * kk, rel: 1e-5);
    }

    [Fact]
    public void Batched_BroadcastsBatchDims_AndMatchesTripleLoopPerBatch()
    {
        var (a, _) = RandomData.Uniform(1, [2, 1, 3, 4]);
        var (b, _) = RandomData.Uniform(2, [3, 4, 5]);
        using var scope = new DisposeScope();
        var c = Tensor.FromArray(a, [2, 1, 3, 4]).MatMul(Tensor.FromArray(b, [3, 4, 5]));
        TensorAssert.ShapeIs([2, 3, 3, 5], c);
        var expected = new List<double>();
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            expected.AddRange(Naive(a[(i * 12)..(i * 12 + 12)], b[(j * 20)..(j * 20 + 20)], 3, 5, 4));
        TensorAssert.Close([.. expected], c);
    }

    [Theory]
    [InlineData(new[] { 4 }, new[] { 4 }, new int[0])]
    [InlineData(new[] { 4 }, new[] { 4, 3 }, new[] { 3 })]
    [InlineData(new[] { 2, 4 }, new[] { 4 }, new[] { 2 })]
    [InlineData(new[] { 2, 4 }, new[] { 4, 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 2, 4 }, new[] { 4 }, new[] { 2, 2 })]
    [InlineData(new[] { 4 }, new[] { 2, 4, 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 1, 2, 4 }, new[] { 3, 4, 2 }, new[] { 2, 3, 2, 2 })]
    public void Shapes_FollowTorchMatmul(int[] a, int[] b, int[] expected)
    {
        using var scope = new DisposeScope();
        var c = Tensor.Ones(a).MatMul(Tensor.Ones(b));
        TensorAssert.ShapeIs(expected, c);
        Assert.All(c.ToArray(), v => Assert.Equal(4f, v));
    }

    [Theory]
    [InlineData(new[] { 4 }, new[] { 4 })]
    [InlineData(new[] { 4 }, new[] { 4, 3 })]
    [InlineData(new[] { 2, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 4 }, new[] { 4, 3 })]
    [InlineData(new[] { 2, 2, 4 }, new[] { 4 })]
    [InlineData(new[] { 4 }, new[] { 2, 4, 3 })]
    [InlineData(new[] { 2, 1, 2, 4 }, new[] { 3, 4, 2 })]
    [InlineData(new[] { 3, 2, 4 }, new[] { 4, 2 })]
    public void Backward_MatchesFiniteDifferences(int[] a, int[] b) =>
        GradCheck.Check(t => t[0].MatMul(t[1]), RandomData.Uniform(3, a), RandomData.Uniform(4, b));

    [Fact]
    public void TransposedOperands_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].Transpose(0, 1).MatMul(t[1].Permute(0, 2, 1)),
            RandomData.Uniform(5, [4, 3]), RandomData.Uniform(6, [2, 2, 4]));

    [Fact]
    public void SlicedAndExpandedOperands_Backward_MatchesFiniteDifferences() =>
        GradCheck.Check(t => t[0].Slice(1, 0, 6, 2).MatMul(t[1].Expand(2, 3, 2)),
            RandomData.Uniform(7, [3, 6]), RandomData.Uniform(8, [3, 2]));

    [Fact]
    public void SharedOperand_Backward_AccumulatesBothUses() =>
        GradCheck.Check(t => t[0].MatMul(t[0].T), RandomData.Uniform(9, [3, 2]));

    private static double[] Naive(float[] a, float[] b, int m, int n, int k)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * b[p * n + j];
            c[i * n + j] = sum;
        }
        return c;
    }

    private static float[] Transposed(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            t[j * rows + i] = a[i * cols + j];
        return t;
    }
}
