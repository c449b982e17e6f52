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
// CPU: output rows split across threads; each scans its windows. The common 2×2 / stride 2 window
// (LeNet, MNIST CNN) runs 8 outputs at a time in Vector256 (AVX2 even/odd split of two input rows,
// compare + blend keeping the index), then 4 in Vector128; the plane's edge and every other window
// take the scalar loop. Backward: per plane, zero then
// add (windows may overlap; a plane is one thread's). GPU: one thread per output forward; the
// backward has one thread per input element gathering from the windows that cover it (no atomics,
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
        bool pair2x2 = Avx2.IsSupported && g is { R: 2, S: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0, DilationH: 1, DilationW: 1 };
        CpuBackend.For((long)g.Planes * g.P, (lo, hi) =>
        {
            for (long t = lo; t < hi; t++)
            {
                int plane = (int)(t / g.P), p = (int)(t % g.P), xp = x0 + plane * g.H * g.W, o = (plane * g.P + p) * g.Q;
                int h0 = p * g.StrideH - g.PadH, q = 0;
                if (pair2x2 && h0 + 1 < g.H) q = Pair2x2Row(x, xp + h0 * g.W, h0 * g.W, g.W, g.Q, y, idx, o);
                for (; q < g.Q; q++)
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
                    y[o + q] = best;
                    idx[o + q] = at;
                }
            }
        }, (long)g.Q * g.R * g.S);
    }

    /// <summary>
    /// Outputs q = 0, 8, 16, ... of one output row of a 2×2 / stride 2 / unpadded pool, 8 at a time
    /// while the 16 input columns exist; returns the first q left for the scalar loop. row0: the
    /// window's top input row in x; base0: its flat index h·W within the plane.
    /// </summary>
    private static int Pair2x2Row(float[] x, int row0, int base0, int width, int outCols, float[] y, float[] idx, int o)
    {
        int q = 0;
        var lane = Vector256.Create(0f, 2, 4, 6, 8, 10, 12, 14);
        for (; q + 8 <= outCols && 2 * q + 16 <= width; q += 8)
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
        var lane4 = Vector128.Create(0f, 2, 4, 6);
        for (; q + 4 <= outCols && 2 * q + 8 <= width; q += 4)
        {
            int c = row0 + 2 * q;
            var (e0, o0) = (Sse.Shuffle(Vector128.Create(x, c), Vector128.Create(x, c + 4), 0b10_00_10_00),
                Sse.Shuffle(Vector128.Create(x, c), Vector128.Create(x, c + 4), 0b11_01_11_01));
            var (e1, o1) = (Sse.Shuffle(Vector128.Create(x, c + width), Vector128.Create(x, c + width + 4), 0b10_00_10_00),
                Sse.Shuffle(Vector128.Create(x, c + width), Vector128.Create(x, c + width + 4), 0b11_01_11_01));
            var at = lane4 + Vector128.Create((float)(base0 + 2 * q));
            var best = e0;
            var index = at;
            Take(o0, at + Vector128<float>.One, ref best, ref index);
            Take(e1, at + Vector128.Create((float)width), ref best, ref index);
            Take(o1, at + Vector128.Create((float)(width + 1)), ref best, ref index);
            best.CopyTo(y, o + q);
            index.CopyTo(idx, o + q);
        }
        return q;
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
        CpuBackend.For(g.Planes, (lo, hi) =>
        {
            for (long plane = lo; plane < hi; plane++)
            {
                var gxp = gx.AsSpan((int)plane * planeIn, planeIn);
                gxp.Clear();
                int o = (int)plane * planeOut;
                for (int k = 0; k < planeOut; k++)
                {
                    int at = (int)idx[o + k];
                    if (at >= 0) gxp[at] += gy[g0 + o + k];
                }
            }
        }, planeIn + planeOut);
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
