using ILGPU;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Gpu;

// Batched matmul launcher: picks the GEMM variant. Kernels: GpuMatMulKernels, GpuMatMulMmaKernels (TF32, BF16). Oracle: GpuParityTests.
public sealed partial class GpuBackend
{
    /// <summary>
    /// Lets fp32 matmuls (and the convolutions built on them) run on tensor cores in TF32
    /// (inputs rounded to a 10-bit mantissa, fp32 accumulation: about 1e-3 relative error),
    /// as torch.backends.cuda.matmul.allow_tf32. Off by default; no effect on devices before
    /// sm_80 nor on the emulator, which always run the fp32 kernels.
    /// </summary>
    public bool AllowTf32 { get; set; }

    /// <summary>True when this device has TF32 tensor cores (CUDA sm_80 or newer).</summary>
    public bool SupportsTf32 => _accelerator is CudaAccelerator cuda && cuda.Architecture.Major >= 8;

    /// <summary>The TF32 kernel runs here: on tensor cores, or emulated on the CPU accelerator (tests).</summary>
    internal bool CanRunTf32Kernel => SupportsTf32 || _accelerator is CPUAccelerator;

    public void MatMul(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout, bool accumulate = false) =>
        MatMul(a, aLayout, b, bLayout, c, cLayout, accumulate, GemmVariant.Auto);

    /// <summary>
    /// A float32 matmul whose operands hold bfloat16 values (autocast's 16-bit matmuls, through the fused
    /// unit BFloat16MatMul): on sm_80+ the BF16 tensor-core kernel (exact products, fp32 accumulation),
    /// elsewhere (older GPUs, the emulator) the fp32 SIMT kernels, which give the same sums up to order.
    /// </summary>
    internal void MatMulBFloat16(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout, bool accumulate) =>
        MatMul(a, aLayout, b, bLayout, c, cLayout, accumulate, SupportsTf32 ? GemmVariant.Bf16 : GemmVariant.Auto);

    /// <summary>The matmul with a forced kernel (tests run every variant; Tf32 and Bf16 are emulated off CUDA).</summary>
    internal void MatMul(DeviceBuffer a, StridedLayout aLayout, DeviceBuffer b, StridedLayout bLayout,
        DeviceBuffer c, StridedLayout cLayout, bool accumulate, GemmVariant variant)
    {
        var ma = new BatchedMatrix(aLayout);
        var mb = new BatchedMatrix(bLayout);
        var mc = new BatchedMatrix(cLayout);
        if (ma.Cols != mb.Rows || mc.Rows != ma.Rows || mc.Cols != mb.Cols || ma.Count != mb.Count || mc.Count != ma.Count)
            throw new ArgumentException($"matmul: a {aLayout}, b {bLayout} and c {cLayout} do not form a batched product");
        int m = ma.Rows, k = ma.Cols, n = mb.Cols;
        if (mc.Count == 0 || m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) Fill(c, cLayout, 0f);
            return;
        }
        var batches = GpuLayout.Coalesced("matmul", BatchOf(aLayout), BatchOf(bLayout), BatchOf(cLayout));
        if (a.ElementType == ElementType.Float64)
        {
            MatMulFloat64(new GemmArgs
            {
                M = m, N = n, K = k, ARow = ma.RowStride, ACol = ma.ColStride, BRow = mb.RowStride, BCol = mb.ColStride,
                CRow = mc.RowStride, CCol = mc.ColStride, Accumulate = accumulate ? 1 : 0,
            }, batches, mc.Count, a, b, c);
            return;
        }
        if (variant == GemmVariant.Auto) variant = Choose(m, n, mc.Count);
        int tile = variant == GemmVariant.Tile64 ? GpuMatMulKernels.Tile64 : GpuMatMulKernels.Tile128;
        var args = new GemmArgs
        {
            M = m, N = n, K = k,
            ARow = ma.RowStride, ACol = ma.ColStride, BRow = mb.RowStride, BCol = mb.ColStride,
            CRow = mc.RowStride, CCol = mc.ColStride,
            TilesM = (m + tile - 1) / tile,
            TilesN = (n + tile - 1) / tile,
            Accumulate = accumulate ? 1 : 0,
            // A thread's four values run along the operand's unit (or smaller) stride: coalesced reads.
            AAlongK = Math.Abs(ma.ColStride) <= Math.Abs(ma.RowStride) ? 1 : 0,
            BAlongK = Math.Abs(mb.RowStride) < Math.Abs(mb.ColStride) ? 1 : 0,
        };
        bool batchesAligned = Aligned(batches[0]) && Aligned(batches[1]);
        args.AVec = batchesAligned && (args.AAlongK == 1
            ? ma.ColStride == 1 && ma.RowStride % 4 == 0 && k % 4 == 0
            : ma.RowStride == 1 && ma.ColStride % 4 == 0 && m % 4 == 0) ? 1 : 0;
        args.BVec = batchesAligned && (args.BAlongK == 1
            ? mb.RowStride == 1 && mb.ColStride % 4 == 0 && k % 4 == 0
            : mb.ColStride == 1 && mb.RowStride % 4 == 0 && n % 4 == 0) ? 1 : 0;
        args.CVec = Aligned(batches[2]) && mc.ColStride == 1 && mc.RowStride % 4 == 0 && n % 4 == 0 ? 1 : 0;

        long groups = (long)args.TilesM * args.TilesN * mc.Count;
        int threads = variant == GemmVariant.Tile64 ? GpuMatMulKernels.Threads64 : GpuMatMulKernels.Threads128;
        var config = new KernelConfig((int)Count(groups).X, threads);
        var kernel = variant switch
        {
            GemmVariant.Tile64 => _kernels.MatMul64.Value,
            GemmVariant.Tf32 => _kernels.MatMulTf32.Value,
            GemmVariant.Bf16 => _kernels.MatMulBf16.Value,
            _ => _kernels.MatMul128.Value,
        };
        ArrayView<float> va = View(a), vb = View(b), vc = View(c);
        kernel(config, args, batches[0], batches[1], batches[2], va, vb, vc, Float4(va), Float4(vb), Float4(vc));
    }

    /// <summary>
    /// Tile128 when it still gives every multiprocessor a block; Tile64 for skinny or small
    /// products (four times the blocks, so M or N ≤ 64 does not leave most of the GPU idle).
    /// </summary>
    private GemmVariant Choose(int m, int n, int batch)
    {
        if (AllowTf32 && SupportsTf32) return GemmVariant.Tf32;
        long blocks128 = (long)((m + 127) / 128) * ((n + 127) / 128) * batch;
        return m <= 64 || n <= 64 || blocks128 < _accelerator.NumMultiprocessors ? GemmVariant.Tile64 : GemmVariant.Tile128;
    }

    /// <summary>Every batch offset a multiple of 4 floats: 16-byte loads stay aligned (buffers start 256-byte aligned).</summary>
    private static bool Aligned(GpuLayout l) =>
        l.Offset % 4 == 0 && l.T0 % 4 == 0 && l.T1 % 4 == 0 && l.T2 % 4 == 0 && l.T3 % 4 == 0
        && l.T4 % 4 == 0 && l.T5 % 4 == 0 && l.T6 % 4 == 0 && l.T7 % 4 == 0;

    /// <summary>The view as 16-byte elements (its length rounded down; vector loads never reach the tail).</summary>
    private static ArrayView<GpuFloat4> Float4(ArrayView<float> v) => v.SubView(0, v.Length / 4 * 4).Cast<GpuFloat4>();

    /// <summary>The batch dims of a [..., R, C] layout (shape [1] with stride 0 for a plain matrix).</summary>
    private static StridedLayout BatchOf(StridedLayout layout) =>
        layout.Rank == 2
            ? new StridedLayout([1], [0], layout.Offset)
            : new StridedLayout(layout.Shape[..^2], layout.Strides[..^2], layout.Offset);
}
