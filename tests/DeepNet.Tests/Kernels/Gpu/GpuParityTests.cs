using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using DeepNet.Kernels.Ops;
using Xunit;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>
/// Every GpuBackend member against CpuBackend (the reference semantics) on random inputs:
/// broadcast (stride 0), transposed and sliced operands, sizes that are not tile multiples.
/// Written once, run per GPU backend (the emulator in CI, CUDA when present). Sizes stay tiny:
/// the emulator costs ~µs per GPU thread.
/// </summary>
public abstract partial class GpuParityTests : IDisposable
{
    private const float Tolerance = 1e-5f;
    private readonly List<DeviceBuffer> _buffers = [];
    private readonly Random _rng = new(20240601);

    protected abstract GpuBackend Gpu { get; }

    private static CpuBackend Cpu => CpuBackend.Instance;

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
        GC.SuppressFinalize(this);
    }

    [ParityFact]
    public void CopyHostRoundTrip_KeepsValuesAtOffsets()
    {
        var data = Values(37);
        var buffer = Track(Gpu.Allocate(50));
        Gpu.CopyFromHost(data, buffer, 5);
        var back = new float[37];
        Gpu.CopyToHost(buffer, 5, back);
        Assert.Equal(data, back);
        var head = new float[5];
        Gpu.CopyToHost(buffer, 0, head);
        Assert.All(head, v => Assert.Equal(0f, v));
    }

    [ParityFact]
    public void Copy_MatchesCpu_ForTransposedSlicedAndBroadcastSources()
    {
        var (cs, gs) = Pair(Values(7 * 33));
        var transposed = new StridedLayout([33, 7], [1, 33], 0);
        var sliced = new StridedLayout([3, 10], [33, 2], 40);
        var broadcast = new StridedLayout([5, 33], [0, 1], 0);
        foreach (var src in new[] { transposed, sliced, broadcast })
        {
            var (cd, gd) = Pair(new float[src.Size]);
            var dst = StridedLayout.Contiguous(src.Shape);
            Cpu.Copy(cs, src, cd, dst);
            Gpu.Copy(gs, src, gd, dst);
            AssertSame(cd, gd, $"copy {src}");
        }
    }

    [ParityFact]
    public void Fill_MatchesCpu_OnAStridedView()
    {
        var (cd, gd) = Pair(Values(65));
        var everyOther = new StridedLayout([4, 8], [16, 2], 1);
        Cpu.Fill(cd, everyOther, 3.5f);
        Gpu.Fill(gd, everyOther, 3.5f);
        AssertSame(cd, gd, "fill");
    }

    [ParityFact]
    public void Map_MatchesCpu_ForEveryOpOnTransposedInput()
    {
        CheckMap(new ReluOp());
        CheckMap(new ExpOp());
        CheckMap(new AbsOp());
        CheckMap(new LeakyReluOp(0.1f));
        CheckMap(new SigmoidOp());
        CheckMap(new TanhOp());
        CheckMap(new GeluOp());
        CheckMap(new GeluTanhOp());
        CheckMap(new ClampOp(float.NegativeInfinity, 0.25f));
        CheckMap(new ClampOp(-0.5f, 0.75f));
        CheckMap(new PowScalarOp(3f));
        CheckMap(new MulScalarOp(-2f));
    }

    [ParityFact]
    public void MapBackward_MatchesCpu()
    {
        CheckMapBackward(new GeluOp());
        CheckMapBackward(new GeluTanhOp());
        CheckMapBackward(new SigmoidOp());
        CheckMapBackward(new LeakyReluOp(0.2f));
    }

    [ParityFact]
    public void Zip_MatchesCpu_WithBroadcastOperands()
    {
        CheckZip(new AddOp());
        CheckZip(new MulOp());
        CheckZip(new DivOp());
        CheckZip(new MaximumOp());
        CheckZip(new PowOp(), positive: true);
    }

    [ParityFact]
    public void ZipBackward_MatchesCpu_ForEitherOrBothGradients()
    {
        var shape = new[] { 7, 33 };
        var aLayout = StridedLayout.Contiguous(shape);
        var bLayout = new StridedLayout(shape, [0, 1], 0);   // b: [33] broadcast over rows
        var (ca, ga) = Pair(Values(7 * 33));
        var (cb, gb) = Pair(Values(33, 0.5f, 2f));
        var (cg, gg) = Pair(Values(7 * 33));
        foreach (var (wantA, wantB) in new[] { (true, true), (true, false), (false, true) })
        {
            var (cda, gda) = Pair(new float[7 * 33]);
            var (cdb, gdb) = Pair(new float[7 * 33]);
            Cpu.ZipBackward(new DivOp(), ca, aLayout, cb, bLayout, cg, aLayout, wantA ? cda : null, wantB ? cdb : null);
            Gpu.ZipBackward(new DivOp(), ga, aLayout, gb, bLayout, gg, aLayout, wantA ? gda : null, wantB ? gdb : null);
            AssertSame(cda, gda, "grad a");
            AssertSame(cdb, gdb, "grad b");
        }
    }

    [ParityFact]
    public void Where_MatchesCpu_WithBroadcastCondition()
    {
        var shape = new[] { 5, 7 };
        var cond = Values(7).Select(v => v > 0 ? 1f : 0f).ToArray();
        var (cc, gc) = Pair(cond);
        var (ca, ga) = Pair(Values(35));
        var (cb, gb) = Pair(Values(5));
        var (cd, gd) = Pair(new float[35]);
        var condLayout = new StridedLayout(shape, [0, 1], 0);
        var bLayout = new StridedLayout(shape, [1, 0], 0);
        var dense = StridedLayout.Contiguous(shape);
        Cpu.Where(cc, condLayout, ca, dense, cb, bLayout, cd, dense);
        Gpu.Where(gc, condLayout, ga, dense, gb, bLayout, gd, dense);
        AssertSame(cd, gd, "where");
    }

    [ParityFact]
    public void Random_MatchesCpu_BitForBitUniformAndCloselyNormal()
    {
        foreach (var kind in new[] { RandomKind.Uniform, RandomKind.Normal })
        {
            var (cd, gd) = Pair(new float[70]);
            Cpu.Random(kind, -1f, 3f, 42, 1000, cd, 3, 65);
            Gpu.Random(kind, -1f, 3f, 42, 1000, gd, 3, 65);
            if (kind == RandomKind.Uniform) Assert.Equal(Read(Cpu, cd), Read(Gpu, gd));
            else AssertSame(cd, gd, "normal", 1e-5f);
        }
    }

    private void CheckMap<TOp>(TOp op) where TOp : struct, IUnaryOp
    {
        var (cx, gx) = Pair(Values(7 * 33));
        var xLayout = new StridedLayout([33, 7], [1, 33], 0);
        var yLayout = StridedLayout.Contiguous([33, 7]);
        var (cy, gy) = Pair(new float[7 * 33]);
        Cpu.Map(op, cx, xLayout, cy, yLayout);
        Gpu.Map(op, gx, xLayout, gy, yLayout);
        AssertSame(cy, gy, typeof(TOp).Name);
    }

    private void CheckMapBackward<TOp>(TOp op) where TOp : struct, IUnaryOp
    {
        var layout = StridedLayout.Contiguous([5, 13]);
        var x = Values(65);
        var y = x.Select(op.Forward).ToArray();
        var (cx, gx) = Pair(x);
        var (cy, gy) = Pair(y);
        var (cg, gg) = Pair(Values(65));
        var (cd, gd) = Pair(new float[65]);
        Cpu.MapBackward(op, cx, layout, cy, layout, cg, layout, cd, layout);
        Gpu.MapBackward(op, gx, layout, gy, layout, gg, layout, gd, layout);
        AssertSame(cd, gd, typeof(TOp).Name + " backward");
    }

    private void CheckZip<TOp>(TOp op, bool positive = false) where TOp : struct, IBinaryOp
    {
        var shape = new[] { 7, 33 };
        var (ca, ga) = Pair(positive ? Values(7 * 33, 0.1f, 2f) : Values(7 * 33));
        var (cb, gb) = Pair(Values(7, 0.5f, 2f));
        var aLayout = new StridedLayout(shape, [1, 7], 0);      // a stored [33, 7], read transposed
        var bLayout = new StridedLayout(shape, [1, 0], 0);      // b: [7, 1] broadcast over columns
        var cLayout = StridedLayout.Contiguous(shape);
        var (cc, gc) = Pair(new float[7 * 33]);
        Cpu.Zip(op, ca, aLayout, cb, bLayout, cc, cLayout);
        Gpu.Zip(op, ga, aLayout, gb, bLayout, gc, cLayout);
        AssertSame(cc, gc, typeof(TOp).Name);
    }
}
