using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;
using DeepNet.Kernels.Ops;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Every elementwise op: forward against a scalar reference in double and a finite-difference
/// gradcheck, on dense, transposed-and-strided and broadcast inputs. One row per operator struct.
/// </summary>
public class ElementwiseTests
{
    private sealed record Unary(Func<Tensor, Tensor> Op, Func<double, double> Reference, float[] Kinks, bool PositiveOnly = false);

    private static readonly Dictionary<string, Unary> UnaryOps = new()
    {
        ["neg"] = new(x => x.Neg(), x => -x, []),
        ["exp"] = new(x => x.Exp(), Math.Exp, []),
        ["log"] = new(x => x.Log(), Math.Log, [], PositiveOnly: true),
        ["sqrt"] = new(x => x.Sqrt(), Math.Sqrt, [], PositiveOnly: true),
        ["abs"] = new(x => x.Abs(), Math.Abs, [0f]),
        ["clamp"] = new(x => x.Clamp(-0.5f, 0.3f), x => Math.Clamp(x, -0.5, 0.3), [-0.5f, 0.3f]),
        ["relu"] = new(x => x.Relu(), x => Math.Max(x, 0), [0f]),
        ["leaky_relu"] = new(x => x.LeakyRelu(0.2f), x => x > 0 ? x : 0.2 * x, [0f]),
        ["sigmoid"] = new(x => x.Sigmoid(), x => 1 / (1 + Math.Exp(-x)), []),
        ["tanh"] = new(x => x.Tanh(), Math.Tanh, []),
        ["gelu"] = new(x => x.Gelu(), x => 0.5 * x * (1 + Erf(x / Math.Sqrt(2))), []),
        ["gelu_tanh"] = new(x => x.Gelu(GeluApproximation.Tanh),
            x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), []),
        ["clamp_min_only"] = new(x => x.Clamp(min: -0.5f), x => Math.Max(x, -0.5), [-0.5f]),
        ["clamp_max_only"] = new(x => x.Clamp(max: 0.3f), x => Math.Min(x, 0.3), [0.3f]),
        ["pow_scalar"] = new(x => x.Pow(3f), x => x * x * x, []),
        ["pow_scalar_square"] = new(x => x.Pow(2f), x => x * x, []),
        ["pow_scalar_fractional"] = new(x => x.Pow(1.5f), x => Math.Pow(x, 1.5), [], PositiveOnly: true),
        ["add_scalar"] = new(x => x.Add(0.7f), x => x + 0.7, []),
        ["sub_scalar"] = new(x => x.Sub(0.7f), x => x - 0.7, []),
        ["mul_scalar"] = new(x => x.Mul(-1.5f), x => x * -1.5, []),
        ["div_scalar"] = new(x => x.Div(4f), x => x / 4, []),
        ["scalar_minus_tensor"] = new(x => 2f - x, x => 2 - x, []),
    };

    public static TheoryData<string> UnaryNames => [.. UnaryOps.Keys];

    private static (float[] Data, int[] Shape) UnaryInput(Unary u, int seed, int[] shape) =>
        u.PositiveOnly ? RandomData.Positive(seed, shape) : RandomData.AwayFrom(seed, shape, u.Kinks, low: -2f, high: 2f);

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Unary_Forward_MatchesReference(string name)
    {
        var u = UnaryOps[name];
        var (data, shape) = UnaryInput(u, 1, [3, 70]);
        using var x = Tensor.FromArray(data, shape);
        using var y = u.Op(x);
        TensorAssert.ShapeIs(shape, y);
        TensorAssert.Close(data.Select(v => u.Reference(v)).ToArray(), y, abs: 1e-5, rel: 1e-5);
    }

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Unary_Backward_MatchesFiniteDifferences(string name)
    {
        var u = UnaryOps[name];
        GradCheck.Check(t => u.Op(t[0]), UnaryInput(u, 2, [2, 3]));
    }

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void Unary_OnTransposedStridedInput_Backward_MatchesFiniteDifferences(string name)
    {
        var u = UnaryOps[name];
        // [3,5] → transpose [5,3] → every other row [3,3]: neither dense nor row-major.
        GradCheck.Check(t => u.Op(t[0].Transpose(0, 1).Slice(0, 0, 5, 2)), UnaryInput(u, 3, [3, 5]));
    }

    private sealed record Binary(Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Reference, bool PositiveA, bool PositiveB);

    private static readonly Dictionary<string, Binary> BinaryOps = new()
    {
        ["add"] = new((a, b) => a.Add(b), (a, b) => a + b, false, false),
        ["sub"] = new((a, b) => a.Sub(b), (a, b) => a - b, false, false),
        ["mul"] = new((a, b) => a.Mul(b), (a, b) => a * b, false, false),
        ["div"] = new((a, b) => a.Div(b), (a, b) => a / b, false, true),
        ["pow"] = new((a, b) => a.Pow(b), Math.Pow, true, false),
        ["operator_add"] = new((a, b) => a + b, (a, b) => a + b, false, false),
        ["operator_div"] = new((a, b) => a / b, (a, b) => a / b, false, true),
    };

    public static TheoryData<string> BinaryNames => [.. BinaryOps.Keys];

    private static (float[] Data, int[] Shape) BinaryInput(bool positive, int seed, int[] shape) =>
        positive ? RandomData.Positive(seed, shape) : RandomData.Uniform(seed, shape);

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void Binary_Forward_BroadcastsLikeNumPy(string name)
    {
        var op = BinaryOps[name];
        var (a, _) = BinaryInput(op.PositiveA, 4, [2, 3, 4]);
        var (b, _) = BinaryInput(op.PositiveB, 5, [3, 1]);
        using var ta = Tensor.FromArray(a, [2, 3, 4]);
        using var tb = Tensor.FromArray(b, [3, 1]);
        using var c = op.Op(ta, tb);
        TensorAssert.ShapeIs([2, 3, 4], c);
        var expected = new double[24];
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
        for (int k = 0; k < 4; k++)
            expected[(i * 3 + j) * 4 + k] = op.Reference(a[(i * 3 + j) * 4 + k], b[j]);
        TensorAssert.Close(expected, c, abs: 1e-5, rel: 1e-5);
    }

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void Binary_SameShape_Backward_MatchesFiniteDifferences(string name)
    {
        var op = BinaryOps[name];
        GradCheck.Check(t => op.Op(t[0], t[1]), BinaryInput(op.PositiveA, 6, [2, 3]), BinaryInput(op.PositiveB, 7, [2, 3]));
    }

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void Binary_Broadcast_Backward_SumsGradientsBackToEachShape(string name)
    {
        var op = BinaryOps[name];
        // a: [2,1,3] and b: [4,1] broadcast to [2,4,3]; both gradients must be un-broadcast.
        GradCheck.Check(t => op.Op(t[0], t[1]), BinaryInput(op.PositiveA, 8, [2, 1, 3]), BinaryInput(op.PositiveB, 9, [4, 1]));
    }

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void Binary_NonContiguousAndExpandedInputs_Backward_MatchesFiniteDifferences(string name)
    {
        var op = BinaryOps[name];
        // a is read through a permutation, b through a stride-2 slice, a transpose and an explicit expand.
        GradCheck.Check(t => op.Op(t[0].Permute(2, 0, 1), t[1].Slice(1, 1, 5, 2).Transpose(0, 1).Expand(4, 2, 3)),
            BinaryInput(op.PositiveA, 10, [2, 3, 4]), BinaryInput(op.PositiveB, 11, [3, 5]));
    }

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void Binary_WithScalarTensor_Backward_MatchesFiniteDifferences(string name)
    {
        var op = BinaryOps[name];
        GradCheck.Check(t => op.Op(t[0], t[1]), BinaryInput(op.PositiveA, 12, [3, 2]), BinaryInput(op.PositiveB, 13, []));
    }

    [Fact]
    public void Where_PicksByCondition_AndBroadcasts()
    {
        using var scope = new DisposeScope();
        var cond = Tensor.FromArray([1f, 0f, 1f], [3, 1]);
        var a = Tensor.FromArray([10f, 20f], [1, 2]);
        var b = Tensor.Scalar(-1f);
        var y = Tensor.Where(cond, a, b);
        TensorAssert.ShapeIs([3, 2], y);
        Assert.Equal([10f, 20f, -1f, -1f, 10f, 20f], y.ToArray());
    }

    [Fact]
    public void Where_Backward_RoutesGradientsByCondition()
    {
        using var cond = Tensor.FromArray([1f, 0f, 0f, 1f, 1f, 0f], [2, 3]);
        GradCheck.Check(t => Tensor.Where(cond, t[0].Transpose(0, 1), t[1]),
            RandomData.Uniform(14, [3, 2]), RandomData.Uniform(15, [3]));
    }

    [Fact]
    public void Comparisons_GiveBoolTensors_WithoutGradient()
    {
        using var scope = new DisposeScope();
        var a = Tensor.FromArray([1f, 2f, 3f]).RequiresGradient();
        var b = Tensor.FromArray([2f, 2f, 2f]);
        Assert.Equal(DType.Bool, a.Eq(b).DType);
        Assert.Equal([false, true, false], a.Eq(b).ToArray<bool>());
        Assert.Equal([true, false, true], a.Ne(b).ToArray<bool>());
        Assert.Equal([true, false, false], a.Lt(b).ToArray<bool>());
        Assert.Equal([true, true, false], a.Le(b).ToArray<bool>());
        Assert.Equal([false, false, true], a.Gt(2f).ToArray<bool>());
        Assert.Equal([false, true, true], a.Ge(2f).ToArray<bool>());
        Assert.False(a.Gt(b).RequiresGrad);
        // A Bool mask in arithmetic promotes to the other operand's dtype (0 or 1), as torch.
        Assert.Equal([0f, 2f, 0f], (a.Eq(b) * a).ToArray());
    }

    [Fact]
    public void MaximumAndMinimum_Backward_MatchFiniteDifferences()
    {
        var a = RandomData.Distinct(16, [2, 3]);
        var b = RandomData.Uniform(17, [3], 0.03f, 0.07f);
        GradCheck.Check(t => t[0].Maximum(t[1]), a, b);
        GradCheck.Check(t => t[0].Minimum(t[1]), a, b);
    }

    // Maclaurin series in double: converges to full precision for the |x| ≤ 2 used here.
    private static double Erf(double x)
    {
        double sum = 0, term = x;
        for (int n = 0; n < 60; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
