using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>The promotion table of docs/dtypes.md (torch.promote_types for DeepNet's dtypes) and its use by the ops.</summary>
public class DTypePromotionTests
{
    [Theory]
    [InlineData(DType.Float64, DType.Float32, DType.Float64)]
    [InlineData(DType.Float32, DType.Float16, DType.Float32)]
    [InlineData(DType.BFloat16, DType.Float32, DType.Float32)]
    [InlineData(DType.Float16, DType.BFloat16, DType.Float32)]
    [InlineData(DType.Int64, DType.Float16, DType.Float16)]
    [InlineData(DType.BFloat16, DType.Int32, DType.BFloat16)]
    [InlineData(DType.Int64, DType.Float32, DType.Float32)]
    [InlineData(DType.Int64, DType.Int32, DType.Int64)]
    [InlineData(DType.Int8, DType.Int32, DType.Int32)]
    [InlineData(DType.UInt8, DType.Int64, DType.Int64)]
    [InlineData(DType.Bool, DType.UInt8, DType.UInt8)]
    [InlineData(DType.Bool, DType.Float64, DType.Float64)]
    [InlineData(DType.Bool, DType.Bool, DType.Bool)]
    public void Promote_FollowsTorchPromoteTypes_BothWays(DType a, DType b, DType expected)
    {
        Assert.Equal(expected, DTypePromotion.Promote(a, b));
        Assert.Equal(expected, DTypePromotion.Promote(b, a));
    }

    [Fact]
    public void Promote_UInt8WithInt8_IsRefusedNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => DTypePromotion.Promote(DType.UInt8, DType.Int8, "add"));
        Assert.Contains("add", error.Message);
        Assert.Contains("UInt8", error.Message);
        Assert.Contains("Int8", error.Message);
    }

    [Fact]
    public void Ops_ProduceThePromotedDType_AndScalarsDoNotPromoteFloats()
    {
        using var scope = new DisposeScope();
        var ids = Tensor.FromArray(new[] { 1L, 2L });
        var f = Tensor.FromArray([0.5f, 0.25f]);
        Assert.Equal(DType.Float32, (ids + f).DType);
        Assert.Equal([1.5f, 2.25f], (ids + f).ToArray());
        Assert.Equal(DType.Int64, (ids + ids).DType);
        Assert.Equal(DType.Float32, (ids * 0.5f).DType);
        var half = f.To(DType.Float16);
        Assert.Equal(DType.Float16, (half * 2f).DType);
        Assert.Equal(DType.Float16, (half + ids).DType);
        Assert.Equal(DType.Float32, (half + f.To(DType.BFloat16)).DType);
        Assert.Equal(DType.Bool, ids.Gt(f).DType);
    }

    [Fact]
    public void Int64Arithmetic_IsExact_Beyond2To53()
    {
        using var scope = new DisposeScope();
        long big = (1L << 53) + 1;
        var a = Tensor.FromArray(new[] { big, -7L });
        var b = Tensor.FromArray(new[] { 2L, 3L });
        Assert.Equal([big + 2, -4L], (a + b).ToArray<long>());
        Assert.Equal([big * 2, -21L], (a * b).ToArray<long>());
        Assert.Equal([big - 2, -10L], (a - b).ToArray<long>());
        Assert.Equal([false, true], a.Lt(b).ToArray<bool>());
        Assert.Equal([true, false], Tensor.FromArray(new[] { big }).Eq(Tensor.FromArray(new[] { big })).ToArray<bool>().Append(
            Tensor.FromArray(new[] { big }).Eq(Tensor.FromArray(new[] { big - 1 })).Item<bool>()).ToArray());
    }

    [Fact]
    public void BoolSum_CountsAsInt64_AndWhereTakesABoolCondition()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([3f, -1f, 2f, -5f]);
        var positive = x.Gt(0f);
        Assert.Equal(DType.Int64, positive.Sum().DType);
        Assert.Equal(2L, positive.Sum().Item<long>());
        Assert.Equal([3f, 0f, 2f, 0f], Tensor.Where(positive, x, Tensor.Zeros([])).ToArray());
        var error = Assert.Throws<ArgumentException>(() => Tensor.Where(Tensor.FromArray(new[] { 1L, 0L, 1L, 0L }), x, x));
        Assert.Contains("Int64", error.Message);
    }
}
