using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using static DeepNet.Kernels.Gpu.GpuElementwiseKernels;
using static DeepNet.Kernels.Gpu.GpuGatherKernels;
using static DeepNet.Kernels.Gpu.GpuIm2ColKernels;
using static DeepNet.Kernels.Gpu.GpuMatMulKernels;
using static DeepNet.Kernels.Gpu.GpuMatMulMmaKernels;
using static DeepNet.Kernels.Gpu.GpuReduceKernels;
using View = ILGPU.ArrayView<float>;
using View4 = ILGPU.ArrayView<DeepNet.Kernels.Gpu.GpuFloat4>;
using DeepNet.Kernels.Fused;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Ops;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// Launch delegates of every kernel for one accelerator, each compiled on first use and then
/// held here for the accelerator's lifetime (ILGPU's own cache keeps only weak references, so a
/// delegate nobody holds would be recompiled). Generic elementwise kernels get one entry per
/// operator struct. Every delegate is wrapped to count its launches (<see cref="GpuCounter"/>).
/// </summary>
internal sealed class GpuKernelCache(Accelerator acc, GpuCounter counter)
{
    private readonly ConcurrentDictionary<(Type Op, int Kind), Delegate> _generic = new();
    private readonly ConcurrentDictionary<object, Delegate> _fused = new();

    public Lazy<Action<Index1D, GpuLayout, GpuLayout, View, View>> Copy { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, View, View>(CopyKernel)));

    public Lazy<Action<Index1D, GpuLayout, float, View>> Fill { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, float, View>(FillKernel)));

    public Lazy<Action<Index1D, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View>> Where { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View>(WhereKernel)));

    public Lazy<Action<Index1D, int, float, float, ulong, ulong, int, View>> Random { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, int, float, float, ulong, ulong, int, View>(RandomKernel)));

    public Lazy<Action<Index1D, GpuLayout, GpuLayout, GpuLayout, int, int, View, View>> ReducePerThread { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, GpuLayout, int, int, View, View>(PerThreadKernel)));

    public Lazy<Action<KernelConfig, GpuLayout, GpuLayout, GpuLayout, int, int, View, View>> ReduceBlock { get; } =
        new(() => counter.Counted(acc.LoadStreamKernel<GpuLayout, GpuLayout, GpuLayout, int, int, View, View>(BlockKernel)));

    public Lazy<Action<Index1D, GpuLayout, GpuLayout, int, int, View, ArrayView<long>>> ArgMax { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, int, int, View, ArrayView<long>>(
            ArgMaxKernel<long, DeepNet.Kernels.Elements.Int64Element>)));

    public Lazy<Action<Index1D, GpuLayout, GpuLayout, int, int, View, View>> ArgMaxFloat { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, GpuLayout, GpuLayout, int, int, View, View>(
            ArgMaxKernel<float, DeepNet.Kernels.Elements.Float32Element>)));

    public Lazy<Action<KernelConfig, GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>> MatMul128 { get; } =
        new(() => counter.Counted(acc.LoadStreamKernel<GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>(Tile128Kernel)));

    public Lazy<Action<KernelConfig, GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>> MatMul64 { get; } =
        new(() => counter.Counted(acc.LoadStreamKernel<GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>(Tile64Kernel)));

    public Lazy<Action<KernelConfig, GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>> MatMulTf32 { get; } =
        new(() => counter.Counted(acc.LoadStreamKernel<GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>(Tf32Kernel)));

    public Lazy<Action<KernelConfig, GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>> MatMulBf16 { get; } =
        new(() => counter.Counted(acc.LoadStreamKernel<GemmArgs, GpuLayout, GpuLayout, GpuLayout, View, View, View, View4, View4, View4>(Bf16Kernel)));

    public Lazy<Action<Index1D, Conv2DGeometry, float, View, View>> Im2Col { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, Conv2DGeometry, float, View, View>(Im2ColKernel<float>)));

    public Lazy<Action<Index1D, Conv2DGeometry, View, View>> Col2Im { get; } =
        new(() => counter.Counted(acc.LoadAutoGroupedStreamKernel<Index1D, Conv2DGeometry, View, View>(Col2ImKernel<float, GpuFloatSum>)));


    public Action<Index1D, TOp, GpuLayout, GpuLayout, View, View> Map<TOp>() where TOp : struct, IUnaryOp =>
        Generic<TOp, Action<Index1D, TOp, GpuLayout, GpuLayout, View, View>>(0,
            () => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, View, View>(MapKernel));

    public Action<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View> MapBackward<TOp>()
        where TOp : struct, IUnaryOp =>
        Generic<TOp, Action<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View>>(1,
            () => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View>(MapBackwardKernel));

    public Action<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, View, View, View> Zip<TOp>() where TOp : struct, IBinaryOp =>
        Generic<TOp, Action<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, View, View, View>>(2,
            () => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, View, View, View>(ZipKernel));

    public Action<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View, View, int> ZipBackward<TOp>()
        where TOp : struct, IBinaryOp =>
        Generic<TOp, Action<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View, View, int>>(3,
            () => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, GpuLayout, GpuLayout, GpuLayout, GpuLayout, View, View, View, View, View, int>(ZipBackwardKernel));


    /// <summary>Compiles every non-generic kernel now (a warm-up pass before timing or training).</summary>
    public void LoadAll()
    {
        _ = (Copy.Value, Fill.Value, Where.Value, Random.Value, ReducePerThread.Value, ReduceBlock.Value, ArgMax.Value);
        _ = (MatMul128.Value, MatMul64.Value, Im2Col.Value, Col2Im.Value);
    }

    /// <summary>A fused op's kernel (Kernels/Fused), keyed by the op.</summary>
    public TDelegate Fused<TDelegate>(object key, Func<Accelerator, TDelegate> load) where TDelegate : Delegate =>
        (TDelegate)_fused.GetOrAdd(key, _ => counter.Counted(load(acc)));

    private TDelegate Generic<TOp, TDelegate>(int kind, Func<TDelegate> load) where TDelegate : Delegate =>
        (TDelegate)_generic.GetOrAdd((typeof(TOp), kind), _ => counter.Counted(load()));
}
