using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using FsCheck.Xunit;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>FsCheck properties of the tensor algebra: broadcasting, inverses and round trips.</summary>
public class TensorPropertyTests
{
    private const int Tests = 60;

    /// <summary>Up to 4 dims of sizes 1..4 from the bits of one number.</summary>
    private static int[] ShapeFrom(int bits, int rank)
    {
        var shape = new int[rank];
        for (int d = 0; d < rank; d++) shape[d] = 1 + (bits >> (2 * d) & 3);
        return shape;
    }

    [Property(MaxTest = Tests)]
    public void Broadcast_ResultShape_FollowsNumPysRule(byte rankA, byte rankB, int bitsA, int bitsB, int ones)
    {
        var a = ShapeFrom(bitsA, rankA % 5);
        var b = ShapeFrom(bitsB, rankB % 5);
        // Force some dims to 1 or equal so broadcastable pairs are common.
        for (int i = 1; i <= Math.Min(a.Length, b.Length); i++)
        {
            int choice = (ones >> (2 * i) & 3);
            if (choice == 0) a[^i] = 1;
            else if (choice == 1) b[^i] = 1;
            else if (choice == 2) b[^i] = a[^i];
        }
        int[]? expected = NumPyBroadcast(a, b);
        using var scope = new DisposeScope();
        var ta = Tensor.Ones(a);
        var tb = Tensor.Ones(b);
        if (expected is null)
        {
            var error = Assert.Throws<ArgumentException>(() => ta.Add(tb));
            Assert.Contains(Format(a), error.Message);
            Assert.Contains(Format(b), error.Message);
        }
        else
        {
            TensorAssert.ShapeIs(expected, ta.Add(tb));
            TensorAssert.ShapeIs(expected, tb.Mul(ta));
        }
    }

    [Property(MaxTest = Tests)]
    public void AddThenSubtract_GivesBackTheInput(int bits, byte rank, int seed)
    {
        var shape = ShapeFrom(bits, 1 + rank % 4);
        var a = RandomData.Uniform(seed, shape, -10f, 10f);
        var bShape = shape.Select((d, i) => i % 2 == 0 ? d : 1).ToArray(); // broadcast b along odd dims
        var b = RandomData.Uniform(seed + 1, bShape, -10f, 10f);
        using var scope = new DisposeScope();
        var ta = Tensor.FromArray(a.Data, shape);
        var tb = Tensor.FromArray(b.Data, bShape);
        TensorAssert.Close(a.Data, ta.Add(tb).Sub(tb).ToArray(), abs: 1e-5);
    }

    [Property(MaxTest = Tests)]
    public void TransposeTwice_IsTheIdentity(int bits, byte rank, byte d0, byte d1)
    {
        int r = 1 + rank % 4;
        var shape = ShapeFrom(bits, r);
        using var scope = new DisposeScope();
        var x = Tensor.Arange((int)ShapeSize(shape)).Reshape(shape);
        var back = x.Transpose(d0 % r, d1 % r).Transpose(d0 % r, d1 % r);
        TensorAssert.ShapeIs(shape, back);
        Assert.Equal(x.ToArray(), back.ToArray());
    }

    [Property(MaxTest = Tests)]
    public void PermuteThenInverse_IsTheIdentity(int bits, byte rank, int seed)
    {
        int r = 1 + rank % 4;
        var shape = ShapeFrom(bits, r);
        var rng = new Random(seed);
        var perm = Enumerable.Range(0, r).OrderBy(_ => rng.Next()).ToArray();
        var inverse = new int[r];
        for (int i = 0; i < r; i++) inverse[perm[i]] = i;
        using var scope = new DisposeScope();
        var x = Tensor.Arange((int)ShapeSize(shape)).Reshape(shape);
        var permuted = x.Permute(perm);
        TensorAssert.ShapeIs(perm.Select(p => shape[p]).ToArray(), permuted);
        Assert.Equal(x.ToArray(), permuted.Permute(inverse).ToArray());
    }

    [Property(MaxTest = Tests)]
    public void ReshapeRoundTrip_KeepsRowMajorOrder(int bits, byte rank, bool fromTransposed)
    {
        var shape = ShapeFrom(bits, 1 + rank % 4);
        long size = ShapeSize(shape);
        using var scope = new DisposeScope();
        var x = Tensor.Arange((int)size).Reshape(shape);
        var source = fromTransposed && shape.Length > 1 ? x.Transpose(0, -1) : x;
        var expected = source.ToArray();
        var flat = source.Reshape(-1);
        Assert.Equal(expected, flat.ToArray());
        Assert.Equal(expected, flat.Reshape(source.Shape.ToArray()).ToArray());
        Assert.Equal(expected, source.Reshape((int)size, 1).Reshape(source.Shape.ToArray()).ToArray());
    }

    [Property(MaxTest = Tests)]
    public void CatThenNarrow_GivesBackTheParts(byte parts, int bits, byte dimSeed, int seed)
    {
        int count = 1 + parts % 4;
        var baseShape = ShapeFrom(bits, 3);
        int dim = dimSeed % 3;
        var rng = new Random(seed);
        var shapes = Enumerable.Range(0, count).Select(_ =>
        {
            var s = (int[])baseShape.Clone();
            s[dim] = rng.Next(1, 4);
            return s;
        }).ToArray();
        var datas = shapes.Select((s, i) => RandomData.Uniform(seed + i, s).Data).ToArray();
        using var scope = new DisposeScope();
        var joined = Tensor.Cat(shapes.Select((s, i) => Tensor.FromArray(datas[i], s)), dim);
        int start = 0;
        for (int i = 0; i < count; i++)
        {
            var part = joined.Narrow(dim, start, shapes[i][dim]);
            TensorAssert.ShapeIs(shapes[i], part);
            Assert.Equal(datas[i], part.ToArray());
            start += shapes[i][dim];
        }
        Assert.Equal(start, joined.Shape[dim]);
    }

    private static int[]? NumPyBroadcast(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 1; i <= rank; i++)
        {
            int da = i <= a.Length ? a[^i] : 1, db = i <= b.Length ? b[^i] : 1;
            if (da != db && da != 1 && db != 1) return null;
            result[^i] = Math.Max(da, db);
        }
        return result;
    }

    private static long ShapeSize(int[] shape) => shape.Aggregate(1L, (x, y) => x * y);

    private static string Format(int[] shape) => "[" + string.Join(",", shape) + "]";
}
