using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>Shape mismatches throw ArgumentException naming the op and both shapes; disposed tensors throw ObjectDisposedException.</summary>
public class ErrorMessageTests
{
    private static readonly Dictionary<string, (string Op, int[] A, int[] B, Func<Tensor, Tensor, Tensor> Call)> Mismatches = new()
    {
        ["add"] = ("add", [2, 3], [4], (a, b) => a.Add(b)),
        ["mul"] = ("mul", [2, 3], [3, 2], (a, b) => a.Mul(b)),
        ["matmul"] = ("matmul", [2, 3], [4, 5], (a, b) => a.MatMul(b)),
        ["matmul_vector"] = ("matmul", [3], [4, 5], (a, b) => a.MatMul(b)),
        ["matmul_batch"] = ("matmul", [2, 2, 3], [3, 3, 1], (a, b) => a.MatMul(b)),
        ["conv2d"] = ("conv2d", [1, 3, 5, 5], [2, 2, 3, 3], (a, b) => a.Conv2D(b)),
        ["conv2d_too_small"] = ("conv2d", [1, 1, 2, 2], [1, 1, 3, 3], (a, b) => a.Conv2D(b)),
        ["cat"] = ("cat", [2, 3], [2, 4], (a, b) => Tensor.Cat([a, b], 0)),
        ["cat_rank"] = ("cat", [2, 3], [2, 3, 1], (a, b) => Tensor.Cat([a, b], 0)),
        ["stack"] = ("stack", [2, 3], [3, 2], (a, b) => Tensor.Stack([a, b])),
        ["gather"] = ("gather", [2, 3], [3, 3], (a, b) => a.Gather(1, b)),
        ["gather_rank"] = ("gather", [2, 3], [2], (a, b) => a.Gather(1, b)),
        ["cross_entropy"] = ("cross_entropy", [3, 4], [2], (a, b) => a.CrossEntropy(b)),
        ["cross_entropy_spatial"] = ("cross_entropy", [2, 3, 4], [2, 3], (a, b) => a.CrossEntropy(b)),
        ["mse_loss"] = ("mse_loss", [3, 4], [4, 3], (a, b) => a.MseLoss(b)),
        ["where"] = ("where", [2, 3], [2], (a, b) => Tensor.Where(a, a, b)),
    };

    public static TheoryData<string> MismatchNames => [.. Mismatches.Keys];

    [Theory]
    [MemberData(nameof(MismatchNames))]
    public void ShapeMismatch_ThrowsArgumentException_NamingOpAndShapes(string name)
    {
        var (op, aShape, bShape, call) = Mismatches[name];
        using var scope = new DisposeScope();
        var a = Tensor.Zeros(aShape);
        var b = Tensor.Zeros(bShape);
        var error = Assert.Throws<ArgumentException>(() => call(a, b));
        Assert.Contains(op + ":", error.Message);
        Assert.Contains(Format(aShape), error.Message);
        Assert.Contains(Format(bShape), error.Message);
    }

    [Theory]
    [InlineData(new[] { 5 })]
    [InlineData(new[] { 4, 4 })]
    [InlineData(new[] { -1, 5 })]
    [InlineData(new[] { -1, -1 })]
    public void Reshape_ToAnIncompatibleShape_NamesBothShapes(int[] target)
    {
        using var x = Tensor.Zeros([2, 3]);
        var error = Assert.Throws<ArgumentException>(() => x.Reshape(target));
        Assert.Contains("reshape", error.Message);
        Assert.Contains("[2,3]", error.Message);
        Assert.Contains(Format(target), error.Message);
    }

    [Theory]
    [InlineData("transpose")]
    [InlineData("sum")]
    [InlineData("softmax")]
    [InlineData("narrow")]
    [InlineData("permute")]
    [InlineData("expand")]
    [InlineData("expand_fewer_dims")]
    [InlineData("cat")]
    public void BadDimsAndRanges_ThrowArgumentException_NamingTheOp(string op)
    {
        using var scope = new DisposeScope();
        var x = Tensor.Zeros([2, 3]);
        Action call = op switch
        {
            "transpose" => () => x.Transpose(0, 2),
            "sum" => () => x.Sum(-3),
            "softmax" => () => x.Softmax(2),
            "narrow" => () => x.Narrow(1, 2, 2),
            "permute" => () => x.Permute(0, 0),
            "expand" => () => x.Expand(3, 3),
            "expand_fewer_dims" => () => x.Expand(),
            _ => () => Tensor.Cat([Tensor.Scalar(1f), Tensor.Scalar(2f)]),
        };
        var error = Assert.Throws<ArgumentException>(call);
        Assert.Contains(op.Split('_')[0] + ":", error.Message);
    }

    private static readonly Dictionary<string, Action<Tensor>> UsesOfADisposedTensor = new()
    {
        ["ToArray"] = x => x.ToArray(),
        ["Item"] = x => x.Narrow(0, 0, 1).Item(),
        ["Add"] = x => x.Add(x),
        ["AddScalar"] = x => x.Add(1f),
        ["Exp"] = x => x.Exp(),
        ["Sum"] = x => x.Sum(),
        ["Max"] = x => x.Max([0]),
        ["MatMul"] = x => x.MatMul(x),
        ["Transpose"] = x => x.Transpose(0, 1),
        ["Reshape"] = x => x.Reshape(-1),
        ["Narrow"] = x => x.Narrow(0, 0, 1),
        ["Expand"] = x => x.Expand(2, 2, 2),
        ["Squeeze"] = x => x.Squeeze(),
        ["Contiguous"] = x => x.Contiguous(),
        ["Cat"] = x => Tensor.Cat([x, x]),
        ["Gather"] = x => x.Gather(0, x),
        ["Softmax"] = x => x.Softmax(0),
        ["Detach"] = x => x.Detach(),
        ["Fill"] = x => x.Fill(0f),
        ["Backward"] = x => x.Backward(),
    };

    public static TheoryData<string> DisposedUses => [.. UsesOfADisposedTensor.Keys];

    [Theory]
    [MemberData(nameof(DisposedUses))]
    public void DisposedTensor_ThrowsObjectDisposedException(string use)
    {
        var x = Tensor.Zeros([2, 2]);
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => UsesOfADisposedTensor[use](x));
    }

    [Fact]
    public void DisposedSecondOperand_ThrowsObjectDisposedException()
    {
        using var a = Tensor.Zeros([2, 2]);
        var b = Tensor.Zeros([2, 2]);
        b.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Add(b));
        Assert.Throws<ObjectDisposedException>(() => a.MatMul(b));
        Assert.Throws<ObjectDisposedException>(() => Tensor.Cat([a, b]));
    }

    [Fact]
    public void Item_OfAManyElementTensor_Throws()
    {
        using var x = Tensor.Zeros([2]);
        Assert.Throws<InvalidOperationException>(() => x.Item());
    }

    private static string Format(int[] shape) => "[" + string.Join(",", shape) + "]";
}
