using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// The allocation-lean fast paths (dense reductions, dense backward kernels, taking a fresh
/// gradient as Grad without a copy) give what the general strided paths give.
/// </summary>
public class FastPathTests
{
    private static readonly int[] Shape3 = [5, 7, 33];

    public static TheoryData<int[]> ReducedDims => new() { new[] { 0 }, new[] { 1 }, new[] { 2 }, new[] { 0, 1 }, new[] { 1, 2 }, new[] { 0, 2 }, new[] { 0, 1, 2 } };

    [Theory]
    [MemberData(nameof(ReducedDims))]
    public void Sum_DenseAndStridedInputs_MatchNaive(int[] dims)
    {
        using var scope = new DisposeScope();
        var x = Tensor.Randn(Shape3, new Generator(3));
        var strided = x.Permute(2, 0, 1).Contiguous().Permute(1, 2, 0);   // same values, not row-major
        Assert.False(strided.IsContiguous);
        var expected = NaiveSum(x.ToArray(), Shape3, dims);
        AssertClose(expected, x.Sum(dims).ToArray());
        AssertClose(expected, strided.Sum(dims).ToArray());
    }

    [Theory]
    [MemberData(nameof(ReducedDims))]
    public void Max_DenseAndStridedInputs_Agree(int[] dims)
    {
        using var scope = new DisposeScope();
        var x = Tensor.Randn(Shape3, new Generator(4));
        var strided = x.Permute(2, 0, 1).Contiguous().Permute(1, 2, 0);
        Assert.Equal(x.Max(dims).ToArray(), strided.Max(dims).ToArray());
    }

    [Fact]
    public void ColumnSum_EqualsARowOrderFloatSumBitForBit()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Randn([64, 37], new Generator(5));
        var values = x.ToArray();
        var expected = new float[37];   // the order the general strided path used: row 0, row 1, ...
        for (int i = 0; i < 64; i++)
            for (int j = 0; j < 37; j++) expected[j] += values[i * 37 + j];
        Assert.Equal(expected, x.Sum(0).ToArray());
    }

    [Fact]
    public void MiddleBlockMax_KeepsTheNaNRuleAndMatchesNaive()
    {
        using var scope = new DisposeScope();
        var values = Tensor.Randn([3, 9, 20], new Generator(8)).ToArray();
        values[1 * 180 + 4 * 20 + 7] = float.NaN;
        var x = Tensor.FromArray(values, [3, 9, 20]);
        var actual = x.Max([1]).ToArray();
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 20; b++)
            {
                float expected = float.NegativeInfinity;
                for (int j = 0; j < 9; j++)
                {
                    float v = values[(a * 9 + j) * 20 + b];
                    if (v > expected || float.IsNaN(v)) expected = v;
                }
                Assert.Equal(expected, actual[a * 20 + b]);
            }
    }

    [Fact]
    public void Backward_OfBroadcastAdd_GivesColumnSumsToTheBias()
    {
        using var x = Tensor.Randn([6, 4], new Generator(6)).RequiresGradient();
        using var b = Tensor.FromArray([1f, 2f, 3f, 4f]).RequiresGradient();
        using (new DisposeScope()) x.Add(b).Mul(x).Sum().Backward();
        var xs = x.ToArray();
        var expectedB = new float[4];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 4; j++) expectedB[j] += xs[i * 4 + j];
        AssertClose(expectedB, b.Grad!.ToArray());
        var expectedX = xs.Select((v, k) => 2 * v + (k % 4 + 1)).ToArray();
        AssertClose(expectedX, x.Grad!.ToArray());
    }

    [Fact]
    public void Grad_TakenWithoutACopy_IsIndependentOfTheGraphAndScope()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f]).RequiresGradient();
        using (new DisposeScope()) x.Mul(x).Sum().Backward();   // 2x: a fresh dense gradient
        var grad = x.Grad!;
        Assert.False(grad.IsDisposed);
        Assert.True(grad.IsContiguous);
        using (new DisposeScope()) x.Mul(x).Sum().Backward();
        Assert.Equal([4f, 8f, 12f], x.Grad!.ToArray());
        using (new DisposeScope()) x.Sum().Backward();           // an expanded (stride-0) gradient accumulates into the kept one
        Assert.Equal([5f, 9f, 13f], x.Grad!.ToArray());
    }

    [Fact]
    public void Grad_OfAUserSuppliedGradient_IsACopy()
    {
        using var x = Tensor.FromArray([1f, 2f]).RequiresGradient();
        using var seed = Tensor.FromArray([3f, 4f]);
        x.Backward(seed);
        seed.Fill(0f);
        Assert.Equal([3f, 4f], x.Grad!.ToArray());
    }

    private static float[] NaiveSum(float[] values, int[] shape, int[] dims)
    {
        var outShape = shape.Select((s, d) => dims.Contains(d) ? 1 : s).ToArray();
        var result = new double[outShape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < shape[0]; i++)
            for (int j = 0; j < shape[1]; j++)
                for (int k = 0; k < shape[2]; k++)
                {
                    int oi = dims.Contains(0) ? 0 : i, oj = dims.Contains(1) ? 0 : j, ok = dims.Contains(2) ? 0 : k;
                    result[(oi * outShape[1] + oj) * outShape[2] + ok] += values[(i * shape[1] + j) * shape[2] + k];
                }
        return result.Select(v => (float)v).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
