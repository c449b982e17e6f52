using DeepNet.Kernels;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;
using Xunit;

namespace DeepNet.Tests.Kernels.Gpu;

// The Float64 kernels (GpuFloat64Kernels) against the CPU's double loops on the same inputs:
// every op struct's double members, where, fill, random, argmax, matmul, im2col/col2im, gather and
// scatter-add, on transposed, broadcast and sliced layouts. The emulator runs .NET's Math, so it
// matches to the bit; CUDA's libdevice is within a few ulps (the tolerance).
public abstract partial class GpuParityTests
{
    private const double Float64Tolerance = 1e-13;

    [ParityFact]
    public void Float64_Map_MatchesCpu_ForEveryUnaryOp()
    {
        CheckMap64(new NegOp());
        CheckMap64(new ExpOp());
        CheckMap64(new LogOp(), positive: true);
        CheckMap64(new SqrtOp(), positive: true);
        CheckMap64(new AbsOp());
        CheckMap64(new ReluOp());
        CheckMap64(new LeakyReluOp(0.1f));
        CheckMap64(new SigmoidOp());
        CheckMap64(new TanhOp());
        CheckMap64(new GeluOp());
        CheckMap64(new GeluTanhOp());
        CheckMap64(new AddScalarOp(0.1));
        CheckMap64(new MulScalarOp(-2.5));
        CheckMap64(new PowScalarOp(1.5f), positive: true);
        CheckMap64(new ClampOp(-0.5f, 0.25f));
        CheckMap64(new FloorOp());
        CheckMap64(new IdentityOp());
    }

    [ParityFact]
    public void Float64_Zip_MatchesCpu_ForEveryBinaryOp_WithTransposeAndBroadcast()
    {
        CheckZip64(new AddOp());
        CheckZip64(new SubOp());
        CheckZip64(new MulOp());
        CheckZip64(new DivOp());
        CheckZip64(new PowOp(), positive: true);
        CheckZip64(new MaximumOp());
        CheckZip64(new MinimumOp());
        CheckZip64(new ScaledAddOp(0.3f));
        CheckZip64(new AddScaledSquareOp(-0.7f));
    }

    [ParityFact]
    public void Float64_Fill_Where_Random_MatchCpu()
    {
        var layout = new StridedLayout([4, 8], [16, 2], 1);
        var (cf, gf) = Pair64(Values64(65, 1));
        Cpu.Fill(cf, layout, 3.5f);
        Gpu.Fill(gf, layout, 3.5f);
        AssertSame64(cf, gf, "fill");

        var shape = new[] { 6, 5 };
        var (cc, gc) = Pair(Values(6).Select(v => v > 0 ? 1f : 0f).ToArray());
        var (ca, ga) = Pair64(Values64(30, 2));
        var (cb, gb) = Pair64(Values64(5, 3));
        var (cd, gd) = Pair64(new double[30]);
        var condLayout = new StridedLayout(shape, [1, 0], 0);
        var bLayout = new StridedLayout(shape, [0, 1], 0);
        var dense = StridedLayout.Contiguous(shape);
        Cpu.Where(cc, condLayout, ca, dense, cb, bLayout, cd, dense);
        Gpu.Where(gc, condLayout, ga, dense, gb, bLayout, gd, dense);
        AssertSame64(cd, gd, "where");

        foreach (var kind in new[] { RandomKind.Uniform, RandomKind.Normal })
        {
            var (cr, gr) = Pair64(new double[40]);
            Cpu.Random(kind, -1f, 2f, 99, 7, cr, 3, 33);
            Gpu.Random(kind, -1f, 2f, 99, 7, gr, 3, 33);
            AssertSame64(cr, gr, $"random {kind}");
        }
    }

    [ParityFact]
    public void Float64_ArgMax_MatMul_MatchCpu()
    {
        var (cs, gs) = Pair64(Values64(6 * 9, 4));
        var src = new StridedLayout([9, 6], [1, 9], 0);   // transposed
        var cIdx = Track(Cpu.Allocate(9, ElementType.Int64));
        var gIdx = Track(Gpu.Allocate(9, ElementType.Int64));
        var dst = StridedLayout.Contiguous([9, 1]);
        Cpu.ArgMax(cs, src, 1, cIdx, dst);
        Gpu.ArgMax(gs, src, 1, gIdx, dst);
        var ci = new long[9];
        var gi = new long[9];
        Cpu.CopyToHost<long>(cIdx, 0, ci);
        Gpu.CopyToHost<long>(gIdx, 0, gi);
        Assert.Equal(ci, gi);

        // a: [2, 5, 7] transposed per batch, b: [7, 3] broadcast over the batch, c accumulated
        var (ca, ga) = Pair64(Values64(2 * 7 * 5, 5));
        var (cb, gb) = Pair64(Values64(7 * 3, 6));
        var (cc, gc) = Pair64(Values64(2 * 5 * 3, 7));
        var aLayout = new StridedLayout([2, 5, 7], [35, 1, 5], 0);
        var bLayout = new StridedLayout([2, 7, 3], [0, 3, 1], 0);
        var cLayout = StridedLayout.Contiguous([2, 5, 3]);
        Cpu.MatMul(ca, aLayout, cb, bLayout, cc, cLayout, accumulate: true);
        Gpu.MatMul(ga, aLayout, gb, bLayout, gc, cLayout, accumulate: true);
        AssertSame64(cc, gc, "matmul");
    }

    [ParityFact]
    public void Float64_Im2Col_Col2Im_Gather_ScatterAdd_MatchCpu()
    {
        var g = new Conv2DGeometry(N: 2, C: 3, H: 7, W: 6, R: 3, S: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 0, DilationH: 1, DilationW: 2);
        var (cx, gx) = Pair64(Values64(2 * 3 * 7 * 6, 8));
        var (ccols, gcols) = Pair64(new double[g.N * g.ColumnRows * g.ColumnCols]);
        Cpu.Im2Col(cx, g, ccols, -1f);
        Gpu.Im2Col(gx, g, gcols, -1f);
        AssertSame64(ccols, gcols, "im2col");
        var (cback, gback) = Pair64(new double[2 * 3 * 7 * 6]);
        Cpu.Col2Im(ccols, g, cback);
        Gpu.Col2Im(gcols, g, gback);
        AssertSame64(cback, gback, "col2im");

        var (cs, gs) = Pair64(Values64(4 * 6, 9));
        long[] ids = [5, 0, 3, 3, 1, 2, 0, 4, 5, 1, 2, 2];
        var ci = Track(Cpu.Allocate(ids.Length, ElementType.Int64));
        var gi = Track(Gpu.Allocate(ids.Length, ElementType.Int64));
        Cpu.CopyFromHost<long>(ids, ci, 0);
        Gpu.CopyFromHost<long>(ids, gi, 0);
        var srcLayout = StridedLayout.Contiguous([4, 6]);
        var indexLayout = StridedLayout.Contiguous([4, 3]);
        var (cd, gd) = Pair64(new double[12]);
        Cpu.Gather(cs, srcLayout, 1, ci, indexLayout, cd, indexLayout);
        Gpu.Gather(gs, srcLayout, 1, gi, indexLayout, gd, indexLayout);
        AssertSame64(cd, gd, "gather");
        var (csum, gsum) = Pair64(new double[4 * 6]);
        Cpu.ScatterAdd(cd, indexLayout, 1, ci, indexLayout, csum, srcLayout);
        Gpu.ScatterAdd(gd, indexLayout, 1, gi, indexLayout, gsum, srcLayout);
        AssertSame64(csum, gsum, "scatter_add");
    }

    private void CheckMap64<TOp>(TOp op, bool positive = false) where TOp : struct, IUnaryOp
    {
        var x = Values64(7 * 33, 10, positive);
        var (cx, gx) = Pair64(x);
        var xLayout = new StridedLayout([33, 7], [1, 33], 0);
        var layout = StridedLayout.Contiguous([33, 7]);
        var (cy, gy) = Pair64(new double[7 * 33]);
        Cpu.Map(op, cx, xLayout, cy, layout);
        Gpu.Map(op, gx, xLayout, gy, layout);
        AssertSame64(cy, gy, typeof(TOp).Name);
        var (cg, gg) = Pair64(Values64(7 * 33, 11));
        var (cd, gd) = Pair64(new double[7 * 33]);
        Cpu.MapBackward(op, cx, xLayout, cy, layout, cg, layout, cd, layout);
        Gpu.MapBackward(op, gx, xLayout, gy, layout, gg, layout, gd, layout);
        AssertSame64(cd, gd, typeof(TOp).Name + " backward");
    }

    private void CheckZip64<TOp>(TOp op, bool positive = false) where TOp : struct, IBinaryOp
    {
        var shape = new[] { 7, 33 };
        var (ca, ga) = Pair64(Values64(7 * 33, 12, positive));
        var (cb, gb) = Pair64(Values64(7, 13, positive: true));
        var aLayout = new StridedLayout(shape, [1, 7], 0);
        var bLayout = new StridedLayout(shape, [1, 0], 0);
        var cLayout = StridedLayout.Contiguous(shape);
        var (cc, gc) = Pair64(new double[7 * 33]);
        Cpu.Zip(op, ca, aLayout, cb, bLayout, cc, cLayout);
        Gpu.Zip(op, ga, aLayout, gb, bLayout, gc, cLayout);
        AssertSame64(cc, gc, typeof(TOp).Name);
        var (cg, gg) = Pair64(Values64(7 * 33, 14));
        var (cda, gda) = Pair64(new double[7 * 33]);
        var (cdb, gdb) = Pair64(new double[7 * 33]);
        Cpu.ZipBackward(op, ca, aLayout, cb, bLayout, cg, cLayout, cda, cdb);
        Gpu.ZipBackward(op, ga, aLayout, gb, bLayout, gg, cLayout, gda, gdb);
        AssertSame64(cda, gda, typeof(TOp).Name + " grad a");
        AssertSame64(cdb, gdb, typeof(TOp).Name + " grad b");
        var (cOnly, gOnly) = Pair64(new double[7 * 33]);
        Cpu.ZipBackward(op, ca, aLayout, cb, bLayout, cg, cLayout, null, cOnly);
        Gpu.ZipBackward(op, ga, aLayout, gb, bLayout, gg, cLayout, null, gOnly);
        AssertSame64(cOnly, gOnly, typeof(TOp).Name + " grad b alone");
    }

    private static double[] Values64(int n, int seed, bool positive = false)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => positive ? 0.1 + 2 * rng.NextDouble() : 4 * rng.NextDouble() - 2)];
    }

    private (DeviceBuffer Cpu, DeviceBuffer Gpu) Pair64(double[] data)
    {
        var c = Track(Cpu.Allocate(data.Length, ElementType.Float64));
        var g = Track(Gpu.Allocate(data.Length, ElementType.Float64));
        Cpu.CopyFromHost<double>(data, c, 0);
        Gpu.CopyFromHost<double>(data, g, 0);
        return (c, g);
    }

    private void AssertSame64(DeviceBuffer cpu, DeviceBuffer gpu, string what)
    {
        var expected = new double[cpu.Length];
        var actual = new double[gpu.Length];
        Cpu.CopyToHost<double>(cpu, 0, expected);
        Gpu.CopyToHost<double>(gpu, 0, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = Float64Tolerance * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance || expected[i].Equals(actual[i]),
                $"{what}[{i}]: cpu {expected[i]:R} vs gpu {actual[i]:R}");
        }
    }
}
