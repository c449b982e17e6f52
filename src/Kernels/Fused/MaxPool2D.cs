using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU;
using ILGPU.Runtime;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;
using DeepNet.Kernels.Gpu;
using View = ILGPU.ArrayView<float>;

namespace DeepNet.Kernels.Fused;

// Max pooling as a primitive (MaxPool2DGeometry): the forward writes each window's maximum and the
// flat index h·W + w of the element that gave it (torch's rule: the first maximum in window order,
// and a NaN always takes over), so the backward is one scatter of the output gradient to those elements — no
// im2col buffer, no mask passes. Indices are stored as floats (exact below 2^24, Kernels/README).
// CPU: planes split across threads; each scans its windows. The common 2×2 / stride 2 window
// (LeNet, MNIST CNN) runs 8 outputs at a time in Vector256 (AVX2 even/odd split of two input rows,
// compare + blend keeping the index), then 4 in Vector128, the row's tail as one overlapping group;
// ceil_mode's edge and every other window take the scalar loop. Backward: per plane, zero then add
// (windows may overlap; a plane is one thread's); the 2×2 / stride 2 window writes each element once
// (its window's gradient where it is the maximum, else 0), 8 windows at a time. GPU: one thread per
// output forward; the backward has one thread per input element gathering from the windows that cover it (no atomics,
// deterministic). Oracle: tests/DeepNet.Tests/Tensors/MaxPool2DFusedTests (equality with the
// Im2Col → Max composite, forward, indices and gradients, CPU and emulator).

/// <summary>
/// y[plane, p, q] = max over the window; Indices[plane, p, q] = h·W + w of that element.
/// x: [Planes, H, W] contiguous from XOffset; y, indices: [Planes, P, Q] dense.
/// </summary>
public readonly record struct MaxPool2D(MaxPool2DGeometry Geometry, DeviceBuffer X, int XOffset, DeviceBuffer Y, DeviceBuffer Indices) : IFusedOp
{
    public string Name => "max_pool2d";

    public void RunCpu(CpuBackend cpu)
    {
        var g = Geometry;
        if (g.OutputSize == 0) return;
        float[] x = CpuBackend.Data(X), y = CpuBackend.Data(Y), idx = CpuBackend.Data(Indices);
        int x0 = XOffset;
        bool pair2x2 = IsPair2x2(g);
        int vectorCols = Math.Min(g.Q, g.W / 2);   // ceil_mode's last window may reach past the row: scalar
        // Whole planes per chunk: MNIST's second pool has 5-wide rows, where per-row dispatch cost more than the row.
        CpuBackend.For(g.Planes, new Planes(g, x, x0, y, idx, pair2x2, vectorCols), (long)g.P * g.Q * g.R * g.S);
    }

    /// <summary>The 2×2 / stride 2 / unpadded window the vector paths take (forward and backward), on AVX2.</summary>
    internal static bool IsPair2x2(in MaxPool2DGeometry g) =>
        Avx2.IsSupported && g is { R: 2, S: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0, DilationH: 1, DilationW: 1 };

    /// <summary>Planes [lo, hi) of the forward (a struct body: no closure per call).</summary>
    private readonly struct Planes(MaxPool2DGeometry g, float[] x, int x0, float[] y, float[] idx, bool pair2x2, int vectorCols) : IRangeBody
    {
        public void Run(long lo, long hi)
        {
            for (long plane = lo; plane < hi; plane++)
            {
                int xp = x0 + (int)plane * g.H * g.W, o = (int)plane * g.P * g.Q;
                for (int p = 0; p < g.P; p++, o += g.Q)
                {
                    int h0 = p * g.StrideH - g.PadH;
                    int q = 0;
                    if (pair2x2 && h0 + 1 < g.H && vectorCols >= 4)
                    {
                        Pair2x2Row(x, xp + h0 * g.W, h0 * g.W, g.W, vectorCols, y, idx, o);
                        q = vectorCols;
                    }
                    for (; q < g.Q; q++) Window(x, xp, g, h0, q, y, idx, o + q);
                }
            }
        }
    }

    /// <summary>Output (p, q) of one plane (window top row h0) by the scalar scan: y[o], idx[o].</summary>
    private static void Window(float[] x, int xp, in MaxPool2DGeometry g, int h0, int q, float[] y, float[] idx, int o)
    {
        int w0 = q * g.StrideW - g.PadW;
        float best = float.NegativeInfinity;
        int at = -1;
        for (int i = 0; i < g.R; i++)
        {
            int h = h0 + i * g.DilationH;
            if ((uint)h >= (uint)g.H) continue;
            int row = xp + h * g.W;
            for (int j = 0; j < g.S; j++)
            {
                int w = w0 + j * g.DilationW;
                if ((uint)w >= (uint)g.W) continue;
                float v = x[row + w];
                if (at < 0 || v > best || float.IsNaN(v))
                {
                    best = v;
                    at = h * g.W + w;
                }
            }
        }
        y[o] = best;
        idx[o] = at;
    }

    /// <summary>
    /// Outputs [0, outCols) (4 ≤ outCols ≤ width / 2) of one output row of a 2×2 / stride 2 / unpadded pool: 8 outputs at a time, then 4, and
    /// the last few as one more 4-wide group ending at the row's end (rewriting some outputs with the same values).
    /// 2·outCols ≤ width: every group reads inside the two input rows.
    /// row0: the window's top input row in x; base0: its flat index h·W within the plane.
    /// </summary>
    private static void Pair2x2Row(float[] x, int row0, int base0, int width, int outCols, float[] y, float[] idx, int o)
    {
        int q = 0;
        var lane = Vector256.Create(0f, 2, 4, 6, 8, 10, 12, 14);
        for (; q + 8 <= outCols; q += 8)
        {
            int c = row0 + 2 * q;
            var (e0, o0) = EvenOdd(Vector256.Create(x, c), Vector256.Create(x, c + 8));
            var (e1, o1) = EvenOdd(Vector256.Create(x, c + width), Vector256.Create(x, c + width + 8));
            var at = lane + Vector256.Create((float)(base0 + 2 * q));
            // window order (0,0), (0,1), (1,0), (1,1): a later candidate wins when greater or NaN
            var best = e0;
            var index = at;
            Take(o0, at + Vector256<float>.One, ref best, ref index);
            Take(e1, at + Vector256.Create((float)width), ref best, ref index);
            Take(o1, at + Vector256.Create((float)(width + 1)), ref best, ref index);
            best.CopyTo(y, o + q);
            index.CopyTo(idx, o + q);
        }
        for (; q < outCols; q += 4)
        {
            q = Math.Min(q, outCols - 4);
            Pair2x2Four(x, row0, base0, width, q, y, idx, o);
        }
    }

    /// <summary>Outputs q..q+3 of a 2×2 / stride 2 row (see <see cref="Pair2x2Row"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair2x2Four(float[] x, int row0, int base0, int width, int q, float[] y, float[] idx, int o)
    {
        int c = row0 + 2 * q;
        Vector128<float> top0 = Vector128.Create(x, c), top1 = Vector128.Create(x, c + 4);
        Vector128<float> bottom0 = Vector128.Create(x, c + width), bottom1 = Vector128.Create(x, c + width + 4);
        var at = Vector128.Create(0f, 2, 4, 6) + Vector128.Create((float)(base0 + 2 * q));
        var best = Sse.Shuffle(top0, top1, 0b10_00_10_00);
        var index = at;
        Take(Sse.Shuffle(top0, top1, 0b11_01_11_01), at + Vector128<float>.One, ref best, ref index);
        Take(Sse.Shuffle(bottom0, bottom1, 0b10_00_10_00), at + Vector128.Create((float)width), ref best, ref index);
        Take(Sse.Shuffle(bottom0, bottom1, 0b11_01_11_01), at + Vector128.Create((float)(width + 1)), ref best, ref index);
        best.CopyTo(y, o + q);
        index.CopyTo(idx, o + q);
    }

    private static void Take(Vector128<float> candidate, Vector128<float> candidateIndex, ref Vector128<float> best, ref Vector128<float> index)
    {
        var wins = Vector128.GreaterThan(candidate, best) | ~Vector128.Equals(candidate, candidate);
        best = Vector128.ConditionalSelect(wins, candidate, best);
        index = Vector128.ConditionalSelect(wins, candidateIndex, index);
    }

    private static void Take(Vector256<float> candidate, Vector256<float> candidateIndex, ref Vector256<float> best, ref Vector256<float> index)
    {
        var wins = Vector256.GreaterThan(candidate, best) | ~Vector256.Equals(candidate, candidate);
        best = Vector256.ConditionalSelect(wins, candidate, best);
        index = Vector256.ConditionalSelect(wins, candidateIndex, index);
    }

    // [a0..a7], [b0..b7] → evens [a0 a2 a4 a6 b0 b2 b4 b6], odds [a1 a3 a5 a7 b1 b3 b5 b7]
    private static (Vector256<float> Even, Vector256<float> Odd) EvenOdd(Vector256<float> a, Vector256<float> b)
    {
        var even = Avx.Shuffle(a, b, 0b10_00_10_00);   // per 128-bit lane: a0 a2 b0 b2 | a4 a6 b4 b6
        var odd = Avx.Shuffle(a, b, 0b11_01_11_01);
        return (Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle(), Avx2.Permute4x64(odd.AsDouble(), 0b11_01_10_00).AsSingle());
    }

    public void RunGpu(GpuBackend gpu)
    {
        var g = Geometry;
        if (g.OutputSize == 0) return;
        var kernel = gpu.FusedKernel(typeof(MaxPool2D), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, MaxPool2DGeometry, int, View, View, View>(ForwardKernel));
        kernel(gpu.Count(g.OutputSize), g, XOffset, gpu.View(X), gpu.View(Y), gpu.View(Indices));
    }

    // one thread per output element o = (plane·P + p)·Q + q
    private static void ForwardKernel(Index1D o, MaxPool2DGeometry g, int x0, View x, View y, View idx)
    {
        int q = o % g.Q, pq = o / g.Q, p = pq % g.P, plane = pq / g.P, xp = x0 + plane * g.H * g.W;
        float best = float.NegativeInfinity;
        int at = -1;
        for (int i = 0; i < g.R; i++)
        {
            int h = p * g.StrideH - g.PadH + i * g.DilationH;
            if (h < 0 || h >= g.H) continue;
            for (int j = 0; j < g.S; j++)
            {
                int w = q * g.StrideW - g.PadW + j * g.DilationW;
                if (w < 0 || w >= g.W) continue;
                float v = x[xp + h * g.W + w];
                if (at < 0 || v > best || float.IsNaN(v))
                {
                    best = v;
                    at = h * g.W + w;
                }
            }
        }
        y[o] = best;
        idx[o] = at;
    }
}

/// <summary>
/// Backward of <see cref="MaxPool2D"/>: gradX[plane, Indices[plane, p, q]] += gradY[plane, p, q].
/// gradY: contiguous [Planes, P, Q] from GradYOffset; gradX: [Planes, H, W] dense, overwritten.
/// </summary>
public readonly record struct MaxPool2DBackward(MaxPool2DGeometry Geometry, DeviceBuffer Indices,
    DeviceBuffer GradY, int GradYOffset, DeviceBuffer GradX) : IFusedOp
{
    public string Name => "max_pool2d backward";

    public void RunCpu(CpuBackend cpu)
    {
        var g = Geometry;
        if (g.InputSize == 0) return;
        float[] idx = CpuBackend.Data(Indices), gy = CpuBackend.Data(GradY), gx = CpuBackend.Data(GradX);
        int g0 = GradYOffset, planeIn = g.H * g.W, planeOut = g.P * g.Q;
        bool pair2x2 = MaxPool2D.IsPair2x2(g) && g.Q >= 4 && 2 * g.P <= g.H && 2 * g.Q <= g.W;
        CpuBackend.For(g.Planes, new Planes(g, idx, gy, g0, gx, pair2x2), planeIn + planeOut);
    }

    /// <summary>Planes [lo, hi) of the backward (a struct body: no closure per call).</summary>
    private readonly struct Planes(MaxPool2DGeometry g, float[] idx, float[] gy, int g0, float[] gx, bool pair2x2) : IRangeBody
    {
        public void Run(long lo, long hi)
        {
            int planeIn = g.H * g.W, planeOut = g.P * g.Q;
            for (long plane = lo; plane < hi; plane++)
            {
                var gxp = gx.AsSpan((int)plane * planeIn, planeIn);
                if (pair2x2)
                {
                    Pair2x2Plane(idx, gy, g0 + (int)plane * planeOut, (int)plane * planeOut, g, gxp);
                    continue;
                }
                gxp.Clear();
                int o = (int)plane * planeOut;
                for (int k = 0; k < planeOut; k++)
                {
                    int at = (int)idx[o + k];
                    if (at >= 0) gxp[at] += gy[g0 + o + k];
                }
            }
        }
    }

    /// <summary>
    /// One plane of a 2×2 / stride 2 / unpadded backward, written once (no clear, no scatter): the windows do not
    /// overlap, so each input element is its window's gradient where it is the recorded maximum, else 0. Eight
    /// windows at a time, then four; a row's last few as one more group ending at its end (rewriting the same
    /// values). Rows and columns past 2·P, 2·Q (odd sizes) are in no window: 0.
    /// </summary>
    private static void Pair2x2Plane(float[] idx, float[] gy, int gyAt, int idxAt, in MaxPool2DGeometry g, Span<float> gx)
    {
        int w = g.W;
        for (int p = 0; p < g.P; p++)
        {
            int top = 2 * p * w, o = p * g.Q;
            int q = 0;
            for (; q + 8 <= g.Q; q += 8) Pair2x2Eight(idx, gy, gyAt + o + q, idxAt + o + q, top + 2 * q, w, gx);
            if (q < g.Q && g.Q >= 8) Pair2x2Eight(idx, gy, gyAt + o + g.Q - 8, idxAt + o + g.Q - 8, top + 2 * (g.Q - 8), w, gx);
            else
                for (; q < g.Q; q += 4)
                {
                    q = Math.Min(q, g.Q - 4);
                    Pair2x2Four(idx, gy, gyAt + o + q, idxAt + o + q, top + 2 * q, w, gx);
                }
            if (2 * g.Q < w)
            {
                gx.Slice(top + 2 * g.Q, w - 2 * g.Q).Clear();
                gx.Slice(top + w + 2 * g.Q, w - 2 * g.Q).Clear();
            }
        }
        gx[(2 * g.P * w)..].Clear();
    }

    /// <summary>Windows q..q+7 of one output row: input rows at <paramref name="at"/> and at + w, columns 2q..2q+15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair2x2Eight(float[] idx, float[] gy, int gyAt, int idxAt, int at, int w, Span<float> gx)
    {
        var index = Vector256.Create(idx, idxAt);
        var grad = Vector256.Create(gy, gyAt);
        var first = Vector256.Create(0f, 2, 4, 6, 8, 10, 12, 14) + Vector256.Create((float)at);
        StoreInterleaved(grad & Vector256.Equals(index, first), grad & Vector256.Equals(index, first + Vector256<float>.One), gx.Slice(at, 16));
        first += Vector256.Create((float)w);
        StoreInterleaved(grad & Vector256.Equals(index, first), grad & Vector256.Equals(index, first + Vector256<float>.One), gx.Slice(at + w, 16));
    }

    /// <summary>Windows q..q+3 of one output row (see <see cref="Pair2x2Eight"/>), columns 2q..2q+7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair2x2Four(float[] idx, float[] gy, int gyAt, int idxAt, int at, int w, Span<float> gx)
    {
        var index = Vector128.Create(idx, idxAt);
        var grad = Vector128.Create(gy, gyAt);
        var first = Vector128.Create(0f, 2, 4, 6) + Vector128.Create((float)at);
        for (int row = 0; row < 2; row++, first += Vector128.Create((float)w))
        {
            var even = grad & Vector128.Equals(index, first);
            var odd = grad & Vector128.Equals(index, first + Vector128<float>.One);
            Sse.UnpackLow(even, odd).CopyTo(gx.Slice(at + row * w, 4));
            Sse.UnpackHigh(even, odd).CopyTo(gx.Slice(at + row * w + 4, 4));
        }
    }

    // even [e0..e7], odd [o0..o7] → e0 o0 e1 o1 … e7 o7
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInterleaved(Vector256<float> even, Vector256<float> odd, Span<float> dst)
    {
        Vector256<float> low = Avx.UnpackLow(even, odd), high = Avx.UnpackHigh(even, odd);   // e0 o0 e1 o1 | e4 o4 e5 o5, e2 o2 e3 o3 | e6 o6 e7 o7
        Avx.Permute2x128(low, high, 0x20).CopyTo(dst);
        Avx.Permute2x128(low, high, 0x31).CopyTo(dst[8..]);
    }

    public void RunGpu(GpuBackend gpu)
    {
        var g = Geometry;
        if (g.InputSize == 0) return;
        var kernel = gpu.FusedKernel(typeof(MaxPool2DBackward), acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, MaxPool2DGeometry, int, View, View, View>(BackwardKernel));
        kernel(gpu.Count(g.InputSize), g, GradYOffset, gpu.View(Indices), gpu.View(GradY), gpu.View(GradX));
    }

    // one thread per input element e = (plane·H + h)·W + w: the sum over windows (p, q) covering it
    // whose recorded maximum is this element; window p covers h when h = p·s − pad + i·d for some i < R
    private static void BackwardKernel(Index1D e, MaxPool2DGeometry g, int g0, View idx, View gy, View gx)
    {
        int w = e % g.W, ph = e / g.W, h = ph % g.H, plane = ph / g.H, self = h * g.W + w, o = plane * g.P * g.Q;
        float sum = 0f;
        for (int i = 0; i < g.R; i++)
        {
            int hp = h + g.PadH - i * g.DilationH;
            if (hp < 0 || hp % g.StrideH != 0) continue;
            int p = hp / g.StrideH;
            if (p >= g.P) continue;
            for (int j = 0; j < g.S; j++)
            {
                int wq = w + g.PadW - j * g.DilationW;
                if (wq < 0 || wq % g.StrideW != 0) continue;
                int q = wq / g.StrideW;
                if (q >= g.Q) continue;
                int k = o + p * g.Q + q;
                if ((int)idx[k] == self) sum += gy[g0 + k];
            }
        }
        gx[e] = sum;
    }
}
