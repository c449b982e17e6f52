using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Fused inverted dropout, y[i] = x[i]·(u_i ≥ p ? 1/(1−p) : 0) with u_i = CounterRandom.Uniform(seed,
// counter + i): the uniforms Rand(shape) draws from the same generator block, so the result is bit for bit
// the composite x · (Rand ≥ p)·scale (x·0 keeps NaN and −0 as the composite's multiply does). Nothing is
// saved for backward: dropout is linear in x with the same mask, so the backward is this op on gradY.
// CPU: the SplitMix64 mixer on Vector256<ulong> (8 counters per step, z advanced by additions, the last
// multiply as 32-bit halves on AVX2), one pass;
// GPU: one thread per element. Oracle: tests/DeepNet.Tests/Tensors/DropoutFusedTests (the composite).

/// <summary>
/// y = x ⊙ mask·scale, mask_i = CounterRandom.Uniform(Seed, Counter + i) ≥ P, scale = 1/(1 − P) rounded to float.
/// x: <see cref="Length"/> contiguous floats from XOffset; y: dense, Length floats.
/// </summary>
public readonly record struct Dropout(ulong Seed, ulong Counter, float P, float Scale, long Length,
    DeviceBuffer X, int XOffset, DeviceBuffer Y) : IFusedOp
{
    public string Name => "dropout";

    public void RunCpu(CpuBackend cpu)
    {
        var op = this;
        float[] xs = CpuBackend.Data(X), ys = CpuBackend.Data(Y);
        CpuBackend.For(Length, (lo, hi) =>
            Apply(op.Seed, op.Counter + (ulong)lo, op.P, op.Scale, xs.AsSpan(op.XOffset + (int)lo, (int)(hi - lo)), ys.AsSpan((int)lo, (int)(hi - lo))),
            costPerItem: 4);
    }

    /// <summary>
    /// y[j] = x[j]·factor(first + j) (x and y may be one span): the CPU body, and the attention kernels'
    /// dropout of a row of weights (whose counters run contiguously along the keys).
    /// </summary>
    public static void Apply(ulong seed, ulong first, float p, float scale, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0, n = x.Length;
        const int V = 8;
        if (Vector256.IsHardwareAccelerated && n >= V)
        {
            // z_j = seed + (first + j + 1)·φ (Mix's first line), advanced by 8φ per step.
            const ulong Golden = 0x9E3779B97F4A7C15UL;
            var step = Vector256.Create(unchecked(4 * Golden));
            ulong z0 = seed + (first + 1) * Golden;
            var zLow = Vector256.Create(z0, z0 + Golden, z0 + unchecked(2 * Golden), z0 + unchecked(3 * Golden));
            var zHigh = zLow + step;
            step += step;
            var threshold = Vector256.Create(p);
            var keep = Vector256.Create(scale);
            var unit = Vector256.Create(1f / 16777216f);
            for (; i <= n - V; i += V)
            {
                var bits = Vector256.Narrow(Finish(zLow), Finish(zHigh));   // the top 24 bits of each mix
                var u = Vector256.ConvertToSingle(bits.AsInt32()) * unit;
                var factor = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(u, threshold), keep, Vector256<float>.Zero);
                (Vector256.Create(x[i..]) * factor).CopyTo(y[i..]);
                zLow += step;
                zHigh += step;
            }
        }
        for (; i < n; i++) y[i] = x[i] * Factor(seed, first, p, scale, i);
    }

    // CounterRandom.Mix after its first line, shifted to the Uniform's 24 bits (< 2^24, so the narrowing keeps them).
    // Mix's last step, z ^ (z >> 31), cannot change bits 40..63, so it is left out. AVX2 has no 64-bit
    // multiply (the JIT emulates one per lane pair): only the top 24 bits of the second product are used,
    // and those are bits 8..31 of hi32(zLo·cLo) + zHi·cLo + zLo·cHi (mod 2^32), three vpmuludq.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Finish(Vector256<ulong> z)
    {
        const ulong C2 = 0x94D049BB133111EBUL;
        z = (z ^ Vector256.ShiftRightLogical(z, 30)) * 0xBF58476D1CE4E5B9UL;
        z ^= Vector256.ShiftRightLogical(z, 27);
        if (Avx512DQ.VL.IsSupported || !Avx2.IsSupported) return Vector256.ShiftRightLogical(z * C2, 40);
        var cLo = Vector256.Create(C2 & 0xFFFFFFFFUL).AsUInt32();
        var cHi = Vector256.Create(C2 >> 32).AsUInt32();
        var low = Avx2.Multiply(z.AsUInt32(), cLo);
        var high = Vector256.ShiftRightLogical(low, 32) + Avx2.Multiply(Vector256.ShiftRightLogical(z, 32).AsUInt32(), cLo)
            + Avx2.Multiply(z.AsUInt32(), cHi);
        return Vector256.ShiftRightLogical(Vector256.ShiftLeft(high, 32), 40);
    }

    /// <summary>The scaled mask value of element i: Scale when kept, 0 when dropped.</summary>
    public static float Factor(ulong seed, ulong counter, float p, float scale, long i) =>
        CounterRandom.Uniform(seed, counter + (ulong)i) >= p ? scale : 0f;

    public void RunGpu(GpuBackend gpu)
    {
        if (Length == 0) return;
        var kernel = gpu.FusedKernel(typeof(Dropout), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, ulong, ulong, float, float, int, View, View>(ForwardKernel));
        kernel(gpu.Count(Length), Seed, Counter, P, Scale, XOffset, gpu.View(X), gpu.View(Y));
    }

    // y[i] = x[x0 + i]·factor(i); y dense
    private static void ForwardKernel(Index1D i, ulong seed, ulong counter, float p, float scale, int x0, View x, View y) =>
        y[i] = x[x0 + i] * Factor(seed, counter, p, scale, i);
}
