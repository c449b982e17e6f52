using System.Buffers;
using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// Int8 GEMM with exact int32 accumulation: c[M, N] = a[M, K] · wᵀ, a uint8 (activations, shifted
// by their zero point), w int8 [N, K] (symmetric weights) packed once (CpuInt8Weight).
// Activations are packed per call into rows of 32-bit words (u8 zero-extended to int16 pairs, or
// byte quads for VNNI: one vector widening per row), 6-row tiles padded with zero rows; each
// micro-kernel broadcasts a word per row. Tiles (6 rows × one weight panel) are independent: above
// ParallelWork they are split across cores in blocks of rows that each meet every panel (Job.RunTiles).
// Saturation: vpmaddubsw would add two u8·s8 products in int16 (255·127·2 > 32767), so the
// AVX2/AVX-512 paths widen both operands to int16 and use vpmaddwd (exact); AVX-VNNI's vpdpbusd
// sums four products straight into int32. Oracle: CpuInt8GemmTests (scalar int32 reference, every path).
/// <summary>The int8 × int8 → int32 GEMM of quantized inference.</summary>
public static unsafe class CpuInt8Gemm
{
    /// <summary>Rows of the micro-tile.</summary>
    public const int Mr = 6;

    /// <summary>Largest K for which Σ_k 255·127 cannot overflow int32.</summary>
    public const int MaxK = Int8Quantization.MaxTerms;

    /// <summary>Row tiles per block of the tile order (see Job.RunTiles).</summary>
    private const int RowBlock = 16;

    /// <summary>Multiply-adds below which a product runs on the calling thread.</summary>
    public const long ParallelWork = 1L << 20;

    /// <summary>
    /// c[i, j] = Σ_k a[i·lda + k] · w[j, k]. a: [M, K] uint8 with row stride <paramref name="lda"/>,
    /// c: [M, N] int32 with row stride <paramref name="ldc"/>; the path is the weight's.
    /// </summary>
    public static void Run(ReadOnlySpan<byte> a, int lda, int m, CpuInt8Weight w, Span<int> c, int ldc, bool parallel = true)
    {
        if (m < 0 || lda < w.K || ldc < w.N || (m > 0 && ((long)(m - 1) * lda + w.K > a.Length || (long)(m - 1) * ldc + w.N > c.Length)))
            throw new ArgumentException($"int8 gemm: a ({a.Length} bytes, lda {lda}) or c ({c.Length}, ldc {ldc}) too small for [M={m}, K={w.K}]·[K, N={w.N}]");
        if (m == 0) return;
        int mTiles = (m + Mr - 1) / Mr, tileWords = w.Groups * Mr;   // a tile: 6 rows of Groups words
        int[] packedA = ArrayPool<int>.Shared.Rent(mTiles * tileWords);
        try
        {
            fixed (byte* pa = a)
            fixed (int* pA = packedA, pc = c, pB = w.Packed)
            {
                Execute(new Job(pa, lda, m, pA, tileWords, mTiles, w, pB, pc, ldc), mTiles, (long)m * w.N * w.K, parallel);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(packedA);
        }
    }

    /// <summary>
    /// The whole quantized Dense in one pass over the output: y[i·ldy + j] = epilogue(Σ_k quantize(x[i·ldx + k])·w[j, k]).
    /// The float rows are quantized (<see cref="Int8Quantization.Quantize"/>) while they are packed, and
    /// each 6×NR int32 tile is requantized from L1 straight into y (<see cref="CpuInt8Epilogue"/>), so
    /// neither the uint8 activations nor the [M, N] int32 accumulators make a trip through memory.
    /// Bit-identical to <see cref="Run"/> + <see cref="CpuQuantize"/>'s passes (same float operations).
    /// </summary>
    public static void RunFused(ReadOnlySpan<float> x, int ldx, int m, float inverseScale, int zeroPoint, CpuInt8Weight w,
        CpuInt8Epilogue epilogue, Span<float> y, int ldy, bool parallel = true)
    {
        if (m < 0 || ldx < w.K || ldy < w.N || (m > 0 && ((long)(m - 1) * ldx + w.K > x.Length || (long)(m - 1) * ldy + w.N > y.Length)))
            throw new ArgumentException($"int8 gemm: x ({x.Length} floats, ldx {ldx}) or y ({y.Length}, ldy {ldy}) too small for [M={m}, K={w.K}]·[K, N={w.N}]");
        if (epilogue.N != w.N) throw new ArgumentException($"int8 gemm: epilogue for {epilogue.N} columns, weight has {w.N}");
        if (m == 0) return;
        int mTiles = (m + Mr - 1) / Mr, tileWords = w.Groups * Mr;
        int[] packedA = ArrayPool<int>.Shared.Rent(mTiles * tileWords);
        try
        {
            fixed (float* px = x, py = y, sc = epilogue.Scales, bias = epilogue.Bias)
            fixed (int* pA = packedA, pB = w.Packed, off = epilogue.Offsets)
            {
                var job = new Job(null, ldx, m, pA, tileWords, mTiles, w, pB, null, ldy)
                {
                    X = px, InverseScale = inverseScale, ZeroPoint = zeroPoint, Y = py,
                    Offsets = off, Scales = sc, Bias = bias, Relu = epilogue.Relu,
                };
                Execute(job, mTiles, (long)m * w.N * w.K, parallel);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(packedA);
        }
    }

    /// <summary>
    /// Packs and multiplies: on the caller below <see cref="ParallelWork"/>, else across cores. With a block of
    /// rows per core, each task packs its own blocks and runs their tiles against every panel (no task waits on
    /// another's packing; a descheduled thread delays only its own blocks); with fewer rows they are packed
    /// together and the panels are split. Every tile is computed once either way, so the split never changes a result.
    /// </summary>
    private static void Execute(Job job, int mTiles, long work, bool parallel)
    {
        int threads = parallel && work >= ParallelWork ? Environment.ProcessorCount : 1;
        if (threads == 1)
        {
            job.PackA(0, mTiles);
            job.RunTiles(0, job.TileSlots);
            return;
        }
        int blocks = (mTiles + RowBlock - 1) / RowBlock;
        if (blocks >= threads)
        {
            CpuParallel.For(Math.Min(blocks, 4 * threads), new BlockTasks(job, blocks, Math.Min(blocks, 4 * threads), mTiles));
            return;
        }
        CpuParallel.For(threads, new PackTasks(job, mTiles, threads));
        long tiles = job.TileSlots;
        int tileChunks = (int)Math.Min(tiles, 4 * threads);
        CpuParallel.For(tileChunks, new TileTasks(job, tiles, tileChunks));
    }

    // Task t of `chunks` packs its share of the row blocks and runs their tiles.
    private readonly struct BlockTasks(Job job, int blocks, int chunks, int mTiles) : IParallelBody
    {
        public void Run(int t)
        {
            int b0 = (int)((long)blocks * t / chunks), b1 = (int)((long)blocks * (t + 1) / chunks);
            long slotsPerBlock = (long)RowBlock * job.Panels;
            job.PackA(b0 * RowBlock, Math.Min(b1 * RowBlock, mTiles));
            job.RunTiles(b0 * slotsPerBlock, b1 * slotsPerBlock);
        }
    }

    private readonly struct PackTasks(Job job, int mTiles, int chunks) : IParallelBody
    {
        public void Run(int t) => job.PackA(mTiles * t / chunks, mTiles * (t + 1) / chunks);
    }

    private readonly struct TileTasks(Job job, long tiles, int chunks) : IParallelBody
    {
        public void Run(int t) => job.RunTiles(tiles * t / chunks, tiles * (t + 1) / chunks);
    }

    /// <summary>One GEMM's pointers (pinned by the caller for the job's lifetime); X/Y set: the fused float form.</summary>
    private readonly struct Job(byte* a, int lda, int m, int* packedA, int tileWords, int mTiles,
        CpuInt8Weight w, int* packedB, int* c, int ldc)
    {
        // The fused form (RunFused): float rows in (lda their stride), requantized floats out (ldc their stride).
        public float* X { get; init; }
        public float InverseScale { get; init; }
        public int ZeroPoint { get; init; }
        public float* Y { get; init; }
        public int* Offsets { get; init; }
        public float* Scales { get; init; }
        public float* Bias { get; init; }
        public bool Relu { get; init; }

        /// <summary>Weight panels (each tile is 6 rows × one panel).</summary>
        public int Panels => w.Panels;

        /// <summary>Slots of the tile order: whole blocks of RowBlock row tiles × panels (the last block's unused slots are skipped).</summary>
        public long TileSlots => (long)((mTiles + RowBlock - 1) / RowBlock) * RowBlock * w.Panels;

        /// <summary>Packs the rows of activation tiles [t0, t1): row i's words at packedA + i·groups (rows past M zero).</summary>
        public void PackA(int t0, int t1)
        {
            int k = w.K, groups = w.Groups;
            bool quads = w.Path == Int8GemmPath.AvxVnni;
            for (int row = t0 * Mr; row < t1 * Mr; row++)
            {
                int* dst = packedA + (long)row * groups;
                if (row >= m)
                {
                    new Span<int>(dst, groups).Clear();
                    continue;
                }
                if (X is not null)
                {
                    float* xs = X + (long)row * lda;
                    if (quads)
                    {
                        var bytes = new Span<byte>(dst, groups * 4);
                        CpuQuantize.Run(xs, 0, 1, 1, k, (byte*)dst, 0, InverseScale, ZeroPoint);
                        bytes[k..].Clear();
                    }
                    else QuantizeWiden(xs, (ushort*)dst, k, groups * 2, InverseScale, ZeroPoint);
                    continue;
                }
                byte* src = a + (long)row * lda;
                if (quads)
                {
                    var bytes = new Span<byte>(dst, groups * 4);
                    new ReadOnlySpan<byte>(src, k).CopyTo(bytes);
                    bytes[k..].Clear();
                }
                else Widen(src, (ushort*)dst, k, groups * 2);
            }
        }

        /// <summary>dst[j] = src[j] as uint16 for j &lt; k, 0 up to length.</summary>
        private static void Widen(byte* src, ushort* dst, int k, int length)
        {
            int j = 0;
            for (; j <= k - 32; j += 32)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(src + j));
                lo.Store(dst + j);
                hi.Store(dst + j + 16);
            }
            for (; j < k; j++) dst[j] = src[j];
            for (; j < length; j++) dst[j] = 0;
        }

        /// <summary>dst[j] = quantize(src[j]) as uint16 for j &lt; k (CpuQuantize's rounding), 0 up to length.</summary>
        private static void QuantizeWiden(float* src, ushort* dst, int k, int length, float inverseScale, int zeroPoint)
        {
            int j = 0;
            var inv = Vector256.Create(inverseScale);
            var zp = Vector256.Create((float)zeroPoint);
            for (; j <= k - 16; j += 16) CpuQuantize.Quantize16(src + j, inv, zp).Store(dst + j);
            for (; j < k; j++) dst[j] = (ushort)Int8Quantization.Quantize(src[j], inverseScale, zeroPoint);
            for (; j < length; j++) dst[j] = 0;
        }

        /// <summary>
        /// Runs tiles [t0, t1) of the order (row block, panel, row tile in block): a block of
        /// RowBlock row tiles (96 rows of A, in L1/L2) meets every weight panel (all of B, in L2)
        /// before the next block, so neither operand streams from memory more than once.
        /// </summary>
        public void RunTiles(long t0, long t1)
        {
            int nr = w.Nr, panels = w.Panels;
            int* edge = stackalloc int[Mr * 32];
            for (long t = t0; t < t1; t++)
            {
                long block = t / ((long)RowBlock * panels), inBlock = t % ((long)RowBlock * panels);
                int firstTile = (int)(block * RowBlock), tilesInBlock = Math.Min(RowBlock, mTiles - firstTile);
                if (inBlock >= (long)tilesInBlock * panels) continue;   // the last block is short
                int panel = (int)(inBlock / tilesInBlock), rowTile = firstTile + (int)(inBlock % tilesInBlock);
                int i0 = rowTile * Mr, j0 = panel * nr;
                int rows = Math.Min(Mr, m - i0), cols = Math.Min(nr, w.N - j0);
                int* pa = packedA + (long)rowTile * tileWords, pb = packedB + (long)panel * w.Groups * nr;
                if (Y is not null)
                {
                    // The tile's int32 sums stay in L1 (edge); only their requantized floats reach y.
                    CpuInt8MicroKernels.Run(w.Path, w.Groups, pa, w.Groups, pb, edge, nr);
                    for (int i = 0; i < rows; i++)
                        CpuInt8Epilogue.Row(edge + i * nr, cols, Offsets + j0, Scales + j0, Bias + j0, Y + (long)(i0 + i) * ldc + j0, Relu);
                    continue;
                }
                int* dst = c + (long)i0 * ldc + j0;
                bool full = rows == Mr && cols == nr;
                CpuInt8MicroKernels.Run(w.Path, w.Groups, pa, w.Groups, pb, full ? dst : edge, full ? ldc : nr);
                if (full) continue;
                for (int i = 0; i < rows; i++)
                    new ReadOnlySpan<int>(edge + i * nr, cols).CopyTo(new Span<int>(dst + (long)i * ldc, cols));
            }
        }
    }
}
