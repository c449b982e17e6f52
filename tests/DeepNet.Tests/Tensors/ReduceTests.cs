using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>sum, mean, max, min, var over dims with and without keepdim: forward against loops, gradchecks.</summary>
public class ReduceTests
{
    private static readonly Dictionary<string, Func<Tensor, int[]?, bool, Tensor>> Reductions = new()
    {
        ["sum"] = (x, dims, keep) => x.Sum(dims, keep),
        ["mean"] = (x, dims, keep) => x.Mean(dims, keep),
        ["max"] = (x, dims, keep) => x.Max(dims, keep),
        ["min"] = (x, dims, keep) => x.Min(dims, keep),
        ["var"] = (x, dims, keep) => x.Var(dims, keepDim: keep),
        ["var_biased"] = (x, dims, keep) => x.Var(dims, unbiased: false, keepDim: keep),
    };

    public static TheoryData<string, int[], bool> Cases()
    {
        var data = new TheoryData<string, int[], bool>();
        foreach (var name in Reductions.Keys)
        {
            data.Add(name, [], false);
            data.Add(name, [1], false);
            data.Add(name, [-1], true);
            data.Add(name, [0, 2], true);
            data.Add(name, [2, 0], false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesNaive(string name, int[] dims, bool keepDim)
    {
        var (data, shape) = RandomData.Uniform(1, [3, 4, 5]);
        using var x = Tensor.FromArray(data, shape);
        using var y = Reductions[name](x, dims, keepDim);
        var (expected, expectedShape) = Naive(name, data, shape, dims, keepDim);
        TensorAssert.ShapeIs(expectedShape, y);
        TensorAssert.Close(expected, y, abs: 1e-5, rel: 1e-4);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_MatchesFiniteDifferences(string name, int[] dims, bool keepDim) =>
        GradCheck.Check(t => Reductions[name](t[0], dims, keepDim), RandomData.Distinct(2, [2, 3, 4]));

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnPermutedInput_Backward_MatchesFiniteDifferences(string name, int[] dims, bool keepDim) =>
        GradCheck.Check(t => Reductions[name](t[0].Permute(2, 0, 1), dims, keepDim), RandomData.Distinct(3, [3, 2, 2]));

    [Fact]
    public void Max_WithTies_SharesTheGradientEqually()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 3f, 3f, 2f]).RequiresGradient();
        x.Max().Backward();
        Assert.Equal([0f, 0.5f, 0.5f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void ArgMax_GivesTheFirstMaximum()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray(new float[,] { { 1, 5, 5 }, { 7, 0, 7 } });
        Assert.Equal(DType.Int64, x.ArgMax(1).DType);
        Assert.Equal([1L, 0L], x.ArgMax(1).ToArray<long>());
        Assert.Equal([1L, 0L, 1L], x.ArgMax(0).ToArray<long>());
        TensorAssert.ShapeIs([2, 1], x.ArgMax(-1, keepDim: true));
    }

    [Fact]
    public void SumTo_UndoesABroadcast()
    {
        using var scope = new DisposeScope();
        var x = Tensor.Ones([2, 3, 4]);
        var reduced = x.SumTo([3, 1]);
        TensorAssert.ShapeIs([3, 1], reduced);
        Assert.All(reduced.ToArray(), v => Assert.Equal(8f, v));
    }

    private static (double[] Values, int[] Shape) Naive(string name, float[] data, int[] shape, int[] dims, bool keepDim)
    {
        var reduced = dims.Length == 0 ? Enumerable.Range(0, shape.Length).ToHashSet()
            : dims.Select(d => d < 0 ? d + shape.Length : d).ToHashSet();
        var keepShape = shape.Select((s, d) => reduced.Contains(d) ? 1 : s).ToArray();
        int outSize = keepShape.Aggregate(1, (a, b) => a * b);
        var groups = Enumerable.Range(0, outSize).Select(_ => new List<double>()).ToArray();
        var strides = new int[shape.Length];
        for (int d = shape.Length - 1, s = 1; d >= 0; s *= keepShape[d], d--) strides[d] = s;
        for (int i = 0; i < data.Length; i++)
        {
            int rest = i, o = 0;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                int index = rest % shape[d];
                rest /= shape[d];
                if (!reduced.Contains(d)) o += index * strides[d];
            }
            groups[o].Add(data[i]);
        }
        var values = groups.Select(g => name switch
        {
            "sum" => g.Sum(),
            "mean" => g.Average(),
            "max" => g.Max(),
            "min" => g.Min(),
            "var" => g.Sum(v => (v - g.Average()) * (v - g.Average())) / (g.Count - 1),
            _ => g.Sum(v => (v - g.Average()) * (v - g.Average())) / g.Count,
        }).ToArray();
        var outShape = keepDim ? keepShape : shape.Where((_, d) => !reduced.Contains(d)).ToArray();
        return (values, outShape);
    }
}
