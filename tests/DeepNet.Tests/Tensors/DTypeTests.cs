using DeepNet.Kernels;
using DeepNet.Tensors;
using DeepNet.Tests.Kernels.Gpu;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// Dtypes at the tensor level: creation, To(dtype), Item/ToArray typing, printing and the
/// gradient rule. Written once, run on the CPU, the GPU emulator and CUDA (skipped when absent).
/// </summary>
public abstract class DTypeTests
{
    protected abstract Device Device { get; }

    [ParityFact]
    public void FromArray_OfEachHostType_HasItsDType_AndReadsBackExactly()
    {
        using var scope = new DisposeScope();
        long big = (1L << 53) + 1;
        var ids = Tensor.FromArray(new[] { big, -1L, 0L, long.MinValue }, [2, 2], Device);
        Assert.Equal(DType.Int64, ids.DType);
        Assert.Equal([big, -1L, 0L, long.MinValue], ids.ToArray<long>());
        Assert.Equal(DType.Int32, Tensor.FromArray(new[] { 1, 2 }, Device).DType);
        Assert.Equal(DType.Float64, Tensor.FromArray(new[] { 0.1, 0.2 }, Device).DType);
        Assert.Equal(DType.Bool, Tensor.FromArray(new[] { true, false }, Device).DType);
        Assert.Equal(DType.UInt8, Tensor.FromArray(new byte[] { 255 }, Device).DType);
        Assert.Equal(DType.Int8, Tensor.FromArray(new sbyte[] { -128 }, Device).DType);
        Assert.Equal(DType.Float16, Tensor.FromArray(new[] { (Half)1.5 }, Device).DType);
        Assert.Equal(DType.BFloat16, Tensor.FromArray(new[] { (BFloat16)1.5f }, Device).DType);
        Assert.Equal([0.1, 0.2], Tensor.FromArray(new[] { 0.1, 0.2 }, Device).ToArray<double>());
        // Integer literals in a collection expression stay float32, as before dtypes existed.
        Assert.Equal(DType.Float32, Tensor.FromArray([0, 1, 2], [3], Device).DType);
    }

    [ParityFact]
    public void IntegerScalarCompare_KeepsTheIdsDType_ExactAbove2To24()
    {
        using var scope = new DisposeScope();
        var ids = Tensor.FromArray(new long[] { 0, 16_777_217, 16_777_216 }, Device);
        // In float32, 16777217 == 16777216; torch compares `ids == 16777216` in int64.
        Assert.Equal([false, false, true], ids.Eq(16_777_216).ToArray<bool>());
        Assert.Equal([true, false, false], ids.Eq(0).ToArray<bool>());
        Assert.Equal([false, true, true], ids.Ne(0).ToArray<bool>());
        var small = Tensor.FromArray(new sbyte[] { -1, 5 }, Device);
        Assert.Equal([true, true], small.Lt(1000).ToArray<bool>());   // beyond Int8: compared in Int64, not refused
        var flags = Tensor.FromArray(new[] { true, false }, Device);
        Assert.Equal([true, false], flags.Eq(1).ToArray<bool>());
        Assert.Equal([false, true], Tensor.FromArray([0.5f, 2f], Device).Eq(2).ToArray<bool>());
    }

    [ParityFact]
    public void Cat_KeepsIntegerDTypes_AndPromotesMixedOperands()
    {
        using var scope = new DisposeScope();
        var ids = Tensor.FromArray(new long[] { 1, (1L << 60) + 1 }, [1, 2], Device);
        var more = Tensor.FromArray(new long[] { 3, 4 }, [1, 2], Device);
        var joined = Tensor.Cat([ids, more], 0);
        Assert.Equal(DType.Int64, joined.DType);
        Assert.Equal([1L, (1L << 60) + 1, 3, 4], joined.ToArray<long>());
        var mixed = Tensor.Cat([more, Tensor.FromArray([0.5f, 1.5f], [1, 2], Device)], 0);
        Assert.Equal(DType.Float32, mixed.DType);
        Assert.Equal([3f, 4f, 0.5f, 1.5f], mixed.ToArray());
    }

    [ParityFact]
    public void Transposed_Int64_View_Materializes_ByElementSize()
    {
        using var scope = new DisposeScope();
        var ids = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, (1L << 60) + 1 }, [2, 3], Device);
        Assert.Equal([1L, 4, 2, 5, 3, (1L << 60) + 1], ids.Transpose(0, 1).ToArray<long>());
        Assert.Equal([1L, 4, 2, 5, 3, (1L << 60) + 1], ids.Transpose(0, 1).Contiguous().ToArray<long>());
        Assert.Equal(DType.Int64, ids.Transpose(0, 1).Contiguous().DType);
    }

    [ParityFact]
    public void ZerosOnesFullArange_TakeADType()
    {
        using var scope = new DisposeScope();
        Assert.Equal([0L, 0L], Tensor.Zeros([2], DType.Int64, Device).ToArray<long>());
        Assert.Equal([true, true], Tensor.Ones([2], DType.Bool, Device).ToArray<bool>());
        Assert.Equal([(1L << 62) + 1, (1L << 62) + 1], Tensor.Full([2], (1L << 62) + 1, DType.Int64, Device).ToArray<long>());
        Assert.Equal([2.5, 2.5], Tensor.Full([2], 2.5, DType.Float64, Device).ToArray<double>());
        Assert.Equal((Half)0.1f, Tensor.Full([], 0.1, DType.Float16, Device).Item<Half>());
        Assert.Equal([0L, 1, 2, 3], Tensor.Arange(4, DType.Int64, Device).ToArray<long>());
        Assert.Equal([5L, 3, 1], Tensor.Arange(5, 0, -2, DType.Int64, Device).ToArray<long>());
        Assert.Equal([0, 1, 2], Tensor.Arange(3, DType.Int32, Device).ToArray<int>());
        Assert.Equal(DType.Int64, Tensor.ZerosLike(Tensor.Arange(3, DType.Int64, Device)).DType);
    }

    [ParityFact]
    public void Full_WithAValueTheIntegerDTypeCannotHold_Throws_NamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Full([2], 2.5, DType.Int64, Device));
        Assert.Contains("2.5", error.Message);
        Assert.Contains("Int64", error.Message);
        Assert.Contains("300", Assert.Throws<ArgumentException>(() => Tensor.Full([2], 300L, DType.UInt8, Device)).Message);
    }

    [ParityFact]
    public void To_ConvertsAsTorch_TruncatingRoundingAndTesting()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([-1.7f, 2.5f, 0f, 1.00390625f], [4], Device);
        Assert.Equal([-1L, 2, 0, 1], x.To(DType.Int64).ToArray<long>());
        Assert.Equal([true, true, false, true], x.To(DType.Bool).ToArray<bool>());
        Assert.Equal([-1.703125f, 2.5f, 0f, 1f], x.To(DType.BFloat16).ToArray<BFloat16>().Select(b => (float)b));
        Assert.Equal([-1.7001953125f, 2.5f, 0f, 1.00390625f], x.To(DType.Float16).ToArray<Half>().Select(h => (float)h));
        long big = (1L << 53) + 1;
        var ids = Tensor.FromArray(new[] { big }, Device);
        Assert.Equal(9007199254740992.0, ids.To(DType.Float64).Item<double>());
        Assert.Equal(big, ids.To(DType.Int64).Item<long>());
        Assert.Same(ids.Storage, ids.To(DType.Int64).Storage);   // already of the dtype: an alias
    }

    [ParityFact]
    public void ItemAndToArray_WithAnotherHostType_Throw_NamingBothDTypes()
    {
        using var scope = new DisposeScope();
        var ids = Tensor.FromArray(new[] { 3L }, Device);
        var error = Assert.Throws<InvalidOperationException>(() => ids.Item());
        Assert.Contains("Int64", error.Message);
        Assert.Contains("Float32", error.Message);
        error = Assert.Throws<InvalidOperationException>(() => ids.ToArray<int>());
        Assert.Contains("Int64", error.Message);
        Assert.Contains("Int32", error.Message);
        Assert.Equal(3L, ids.Item<long>());
    }

    [ParityFact]
    public void Integer_Tensors_CannotRequireGrad()
    {
        using var ids = Tensor.FromArray(new[] { 1L }, Device);
        var error = Assert.Throws<InvalidOperationException>(() => ids.RequiresGrad = true);
        Assert.Contains("Int64", error.Message);
        using var mask = Tensor.Ones([1], DType.Bool, Device);
        Assert.Throws<InvalidOperationException>(() => mask.RequiresGradient());
    }

    [ParityFact]
    public void ToDType_BetweenFloats_KeepsTheGraph_AndCastsTheGradientBack()
    {
        using var scope = new DisposeScope();
        var x = Tensor.FromArray([1f, 2f], [2], Device).RequiresGradient();
        var y = x.To(DType.Float16);
        Assert.True(y.RequiresGrad);
        Assert.Equal("ToCopyBackward", y.GradFn!.Name);
        Assert.False(x.To(DType.Int64).RequiresGrad);
    }

    [ParityFact]
    public void Printing_ShowsValuesInTheDTypesTerms_AndTheDType()
    {
        using var scope = new DisposeScope();
        string device = Device == Device.Cpu ? "" : $", device='{Device}'";
        Assert.Equal($"tensor([9007199254740993, -2]{device}, dtype=Int64)", Tensor.FromArray(new[] { (1L << 53) + 1, -2L }, Device).ToString());
        Assert.Equal($"tensor([True, False]{device}, dtype=Bool)", Tensor.FromArray(new[] { true, false }, Device).ToString());
        Assert.Equal($"tensor([0.5000, 0.1000]{device}, dtype=Float64)", Tensor.FromArray(new[] { 0.5, 0.1 }, Device).ToString());
        Assert.Equal($"tensor([1.5000]{device})", Tensor.FromArray([1.5f], Device).ToString());
    }

    [ParityFact]
    public void Float64_AddMulSumMaxAndCopy_RunInDouble()
    {
        using var scope = new DisposeScope();
        double[] a = [0.1, 1e-17, -3.5, 1e300];
        double[] b = [0.2, 1.0, 2.25, 10.0];
        var x = Tensor.FromArray(a, [2, 2], Device);
        var y = Tensor.FromArray(b, [2, 2], Device);
        Assert.Equal(a.Zip(b, (p, q) => p + q), (x + y).ToArray<double>());
        Assert.Equal(a.Zip(b, (p, q) => p * q), (x * y).ToArray<double>());
        Assert.Equal(DType.Float64, (x + y).DType);
        Assert.Equal([a[0] + a[2], a[1] + a[3]], x.Sum([0]).ToArray<double>());
        Assert.Equal(a[0] + a[1] + a[2] + a[3], x.Sum().Item<double>());
        Assert.Equal([a[0], a[3]], x.Max([1]).ToArray<double>());
        Assert.Equal([a[0], a[2], a[1], a[3]], x.Transpose(0, 1).Contiguous().ToArray<double>());
        var leaf = Tensor.FromArray(a, Device).RequiresGradient();
        leaf.Sum().Backward();
        Assert.Equal(DType.Float64, leaf.Grad!.DType);
        Assert.Equal([1.0, 1.0, 1.0, 1.0], leaf.Grad.ToArray<double>());
    }

    [ParityFact]
    public void MovingBetweenDevices_KeepsTheDType()
    {
        using var scope = new DisposeScope();
        long big = (1L << 53) + 1;
        var ids = Tensor.FromArray(new[] { big }, Device);
        var there = ids.To(Device.Cpu).To(Device);
        Assert.Equal(DType.Int64, there.DType);
        Assert.Equal(big, there.Item<long>());
    }

    [ParityFact]
    public void FloatOps_OnIntegers_GiveFloat32_AndFloat64MathRunsInDouble()
    {
        using var scope = new DisposeScope();
        var ids = Tensor.FromArray(new[] { 0L, 1L }, Device);
        Assert.Equal(DType.Float32, ids.Exp().DType);
        float[] e = ids.Exp().ToArray();
        Assert.Equal(1f, e[0]);
        Assert.Equal(MathF.E, e[1], 5);
        Assert.Equal([0.5f, 1.5f], (ids + 0.5f).ToArray());
        var exp = Tensor.FromArray(new[] { 1.0 }, Device).Exp();
        Assert.Equal(DType.Float64, exp.DType);
        Assert.Equal(Math.E, exp.Item<double>());
    }
}

public sealed class CpuDTypeTests : DTypeTests
{
    protected override Device Device => Device.Cpu;
}

[Collection(EmulatorCollection.Name)]
public sealed class EmulatorDTypeTests : DTypeTests
{
    protected override Device Device => Device.GpuEmulator;
}

public sealed class CudaDTypeTests : DTypeTests, IRequiresCuda
{
    protected override Device Device => Device.Cuda(0);
}

/// <summary>DType and the kernels' ElementType mirror each other member by member: their conversions are casts.</summary>
public sealed class DTypeMirrorTests
{
    [Fact]
    public void DTypeAndElementType_HaveTheSameMembersInTheSameOrder()
    {
        Assert.Equal(Enum.GetNames<ElementType>(), Enum.GetNames<DType>());
        foreach (var dtype in Enum.GetValues<DType>())
        {
            Assert.Equal(dtype.ToString(), dtype.ToElementType().ToString());
            Assert.Equal(dtype, DTypes.FromElementType(dtype.ToElementType()));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => ((DType)99).ToElementType());
        Assert.Throws<ArgumentOutOfRangeException>(() => DTypes.FromElementType((ElementType)(-1)));
    }
}
