using System.Buffers;
using System.Runtime.Intrinsics;

namespace DeepNet.Kernels.Cpu;

// Int8 GEMM with exact int32 accumulation: c[M, N] = a[M, K] · wᵀ, a uint8 (activations, shifted
// by their zero point), w int8 [N, K] (symmetric weights) packed once (CpuInt8Weight).
// Activations are packed per call into rows of 32-bit words (u8 zero-extended to int16 pairs, or
// byte quads for VNNI: one vector widening per row), 6-row tiles padded with zero rows; each
// micro-kernel broadcasts a word per row. Tiles (6 rows × one weight panel) are independent: above
// ParallelWork they are split across cores panel-major, so neighbouring tiles share a panel in cache.
// Saturation: vpmaddubsw would add two u8·s8 products in int16 (255·127·2 > 32767), so the
// AVX2/AVX-512 paths widen both operands to int16 and use vpmaddwd (exact); AVX-VNNI's vpdpbusd
// sums four products straight into int32. Oracle: CpuInt8GemmTests (scalar int32 reference, every path).
/// <summary>The int8 × int8 → int32 GEMM of quantized inference.</summary>
public static unsafe class CpuInt8Gemm
{
    /// <summary>Rows of the micro-tile.</summary>
    public const int Mr = 6;

    /// <summary>Largest K for which Σ_k 255·127 cannot overflow int32.</summary>
    public const int MaxK = int.MaxValue / (255 * 128);

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
                var job = new Job(pa, lda, m, pA, tileWords, mTiles, w, pB, pc, ldc);
                long work = (long)m * w.N * w.K;
                int threads = parallel && work >= ParallelWork ? Environment.ProcessorCount : 1;
                if (threads == 1)
                {
                    job.PackA(0, mTiles);
                    job.RunTiles(0, mTiles * w.Panels);
                    return;
                }
                Parallel.For(0, threads, t => job.PackA(mTiles * t / threads, mTiles * (t + 1) / threads));
                int tiles = mTiles * w.Panels, chunks = Math.Min(tiles, 4 * threads);
                Parallel.For(0, chunks, t => job.RunTiles((long)tiles * t / chunks, (long)tiles * (t + 1) / chunks));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(packedA);
        }
    }

    /// <summary>One GEMM's pointers (pinned by the caller for the job's lifetime).</summary>
    private readonly struct Job(byte* a, int lda, int m, int* packedA, int tileWords, int mTiles,
        CpuInt8Weight w, int* packedB, int* c, int ldc)
    {
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

        /// <summary>Runs tiles [t0, t1) in panel-major order (tile = panel·mTiles + row tile).</summary>
        public void RunTiles(long t0, long t1)
        {
            int nr = w.Nr;
            int* edge = stackalloc int[Mr * 32];
            for (long t = t0; t < t1; t++)
            {
                int panel = (int)(t / mTiles), rowTile = (int)(t % mTiles);
                int i0 = rowTile * Mr, j0 = panel * nr;
                int rows = Math.Min(Mr, m - i0), cols = Math.Min(nr, w.N - j0);
                int* pa = packedA + (long)rowTile * tileWords, pb = packedB + (long)panel * w.Groups * nr;
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
