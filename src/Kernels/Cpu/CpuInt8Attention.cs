using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Kernels.Cpu;

// The CPU body of the int8 attention (Kernels/Fused/QuantizedAttention), one block of query rows of one
// head at a time. Both products run on the int8 GEMM's micro-kernels (CpuInt8MicroKernels, the path's
// 6×NR int32 tiles): scores = Q̂·K̂ᵀ with Q̂ the uint8 query rows (A, words of G codes) against K̂ packed as
// a weight whose "output channels" are the keys; then P̂·V̂ with P̂ the uint8 probabilities (A) against
// V̂ packed as a weight whose channels are the head's columns. The scores live in one [rows, S] int32/float
// scratch (they become floats in place), so the softmax sees each row whole: no online rescaling, and
// P̂ is quantized against the row's true max exactly as the GPU kernel does. Oracle: QuantizedAttentionTests.
internal static unsafe class CpuInt8Attention
{
    private const int Mr = CpuInt8Gemm.Mr;

    /// <summary>The sizes of one task's scratch, in 32-bit words, for rows ≤ <paramref name="rowBlock"/>.</summary>
    public static int ScratchWords(in AttentionGeometry g, Int8GemmPath path, int rowBlock)
    {
        var z = new Layout(g, path, rowBlock, g.S);
        return z.Total;
    }

    /// <summary>
    /// o rows (n, ·, i0 .. i0 + rows) of every head: q·kᵀ → softmax → ·v in int8, written into o ([N, L, H, Dv] dense).
    /// All heads of one batch row are packed first, walking the rows of q, k and v in order (a projection's heads
    /// are interleaved in each row, so head-by-head reads would stride through memory), then run one by one.
    /// <paramref name="scratch"/>: at least <see cref="ScratchWords"/> words for this row block size.
    /// </summary>
    public static void Rows(in AttentionGeometry g, Int8GemmPath path, float* q, float* k, float* v, float* mask, float* pad,
        float* o, int n, int i0, int rows, int* scratch)
    {
        int keys = g.KeyEnd(i0 + rows - 1);   // keys this block's last row may see (all S unless causal)
        var z = new Layout(g, path, rows, keys);
        // Nothing is cleared: every word a product reads is written below, or meets a zero code (padding past D,
        // probabilities past a row's keys), and scores past a row's keys are replaced by −∞ before they are read.
        int* sc = scratch + z.Scores, pa = scratch + z.PPacked;
        float* pinv = (float*)(scratch + z.PInverse);
        PackKeys(g, z, k + g.KAt(n, 0, 0), keys, scratch);
        PackValues(g, z, v + g.VAt(n, 0, 0), keys, scratch);
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < g.H; h++)
            {
                int* head = scratch + h * z.HeadWords;
                if (g.QL != g.D && r + Ahead < rows) Prefetch(q + g.QAt(n, h, i0 + r + Ahead), g.D);
                PackQuery(g, z, q + g.QAt(n, h, i0 + r), head + z.QPacked + r * z.DGroups, out ((float*)(head + z.QRowScale))[r], out head[z.QZero + r]);
            }
        int* tile = stackalloc int[Mr * 32];
        for (int h = 0; h < g.H; h++)
        {
            int* head = scratch + h * z.HeadWords;
            int* kp = head + z.KPacked, ksum = head + z.KSum, vp = head + z.VPacked, qa = head + z.QPacked, qzp = head + z.QZero;
            float* ks = (float*)(head + z.KScale), vs = (float*)(head + z.VScale), qrs = (float*)(head + z.QRowScale);
            for (int t = 0; t < z.RowsPadded / Mr; t++)
                for (int p = 0; p < z.KPanels; p++)
                    CpuInt8MicroKernels.Run(path, z.DGroups, qa + t * Mr * z.DGroups, z.DGroups, kp + p * z.DGroups * z.Nr,
                        sc + t * Mr * z.KeysPadded + p * z.Nr, z.KeysPadded);
            for (int r = 0; r < rows; r++)
            {
                int i = i0 + r;
                float* mrow = mask is null ? null : mask + g.M0 + n * g.MN + h * g.MH + i * g.ML;
                float* prow = pad is null ? null : pad + g.P0 + n * g.PN + h * g.PH + i * g.PL;
                pinv[r] = Softmax(g, z, sc + r * z.KeysPadded, ksum, ks, qrs[r], qzp[r], mrow, prow, g.KeyEnd(i), pa + r * z.KGroups);
            }
            for (int t = 0; t < z.RowsPadded / Mr; t++)
                for (int p = 0; p < z.VPanels; p++)
                {
                    CpuInt8MicroKernels.Run(path, z.KGroups, pa + t * Mr * z.KGroups, z.KGroups, vp + p * z.KGroups * z.Nr, tile, z.Nr);
                    int c0 = p * z.Nr, cols = Math.Min(z.Nr, g.Dv - c0);
                    for (int r = t * Mr; r < Math.Min(rows, (t + 1) * Mr); r++)
                        Output(tile + (r - t * Mr) * z.Nr, vs + c0, pinv[r], o + g.OAt(n, h, i0 + r) + c0, cols);
                }
        }
    }

    /// <summary>
    /// K rows 0..keys of every head (k at head 0, key 0 of the batch row) as weight panel sets: key j is column
    /// j % Nr of panel j / Nr, its D codes in words of G.
    /// </summary>
    private static void PackKeys(in AttentionGeometry g, in Layout z, float* k, int keys, int* scratch)
    {
        short* codes = stackalloc short[z.DGroups * 4 + 16];
        for (int j = 0; j < keys; j++)
            for (int h = 0; h < g.H; h++)
            {
                if (g.KS != g.D && j + Ahead < keys) Prefetch(k + (long)h * g.KH + (long)(j + Ahead) * g.KS, g.D);
                int* head = scratch + h * z.HeadWords;
                float* row = k + (long)h * g.KH + (long)j * g.KS;
                float scale = Int8Quantization.SymmetricScale(AbsMax(row, g.D, 1));
                head[z.KSum + j] = Codes(row, 1, g.D, Int8Quantization.InverseScale(scale), codes, z.DGroups * z.G);
                ((float*)(head + z.KScale))[j] = scale;
                int* words = Words(codes, z.DGroups, z.G);
                int* dst = head + z.KPacked + (j / z.Nr) * z.DGroups * z.Nr + j % z.Nr;
                for (int w = 0; w < z.DGroups; w++) dst[w * z.Nr] = words[w];
            }
    }

    /// <summary>
    /// V of every head as weight panel sets over its Dv columns, each column with its scale over all S keys (so a
    /// row's result never depends on the blocking); word (group w, column c) holds keys w·G .. w·G + G − 1 of column c.
    /// </summary>
    private static void PackValues(in AttentionGeometry g, in Layout z, float* v, int keys, int* scratch)
    {
        int dv = g.Dv;
        float* inv = stackalloc float[g.H * dv + 8];
        ColumnScales(g, z, v, scratch, inv);
        var lo = Vector256.Create(-127f);
        var hi = Vector256.Create(127f);
        for (int w = 0; w < z.KGroups && w * z.G < keys; w++)
            for (int h = 0; h < g.H; h++)
                for (int p = 0; p < z.VPanels; p++)
                {
                    int c0 = p * z.Nr, cols = Math.Min(z.Nr, dv - c0);
                    int* dst = scratch + h * z.HeadWords + z.VPacked + (p * z.KGroups + w) * z.Nr;
                    float* hinv = inv + h * dv + c0;
                    new Span<int>(dst, z.Nr).Clear();
                    for (int t = 0; t < z.G && w * z.G + t < keys; t++)
                    {
                        float* row = v + (long)h * g.VH + (long)(w * z.G + t) * g.VS + c0;
                        int shift = (32 / z.G) * t, bits = z.G == 2 ? 0xFFFF : 0xFF, c = 0;
                        for (; c <= cols - 8; c += 8)
                        {
                            var code = Vector256.ConvertToInt32Native(Vector256.MinNative(Vector256.MaxNative(Vector256.Round(Vector256.Load(row + c) * Vector256.Load(hinv + c)), lo), hi));
                            (Vector256.Load(dst + c) | Vector256.ShiftLeft(code & Vector256.Create(bits), shift)).Store(dst + c);
                        }
                        for (; c < cols; c++) dst[c] |= (Int8Quantization.QuantizeSymmetric(row[c], hinv[c]) & bits) << shift;
                    }
                }
    }

    /// <summary>Per head and column c &lt; Dv: the symmetric scale over all S value rows (into the head's VScale) and 1/scale (into inverse[h·Dv + c]).</summary>
    private static void ColumnScales(in AttentionGeometry g, in Layout z, float* v, int* scratch, float* inverse)
    {
        int dv = g.Dv, width = g.H * dv;
        float* amax = stackalloc float[width + 8];
        float* bad = stackalloc float[width + 8];
        new Span<float>(amax, width + 8).Clear();
        new Span<float>(bad, width + 8).Clear();
        for (int j = 0; j < g.S; j++)
            for (int h = 0; h < g.H; h++)
            {
                float* row = v + (long)h * g.VH + (long)j * g.VS, m = amax + h * dv, b = bad + h * dv;
                if (g.VS != dv && j + Ahead < g.S) Prefetch(row + Ahead * (long)g.VS, dv);
                int c = 0;
                for (; c <= dv - 8; c += 8)
                {
                    var r = Vector256.Load(row + c);
                    Vector256.MaxNative(Vector256.Load(m + c), Vector256.Abs(r)).Store(m + c);   // NaN is caught by bad
                    (Vector256.Load(b + c) + r * Vector256<float>.Zero).Store(b + c);
                }
                for (; c < dv; c++)
                {
                    m[c] = MathF.Max(m[c], MathF.Abs(row[c]));
                    b[c] += row[c] * 0f;
                }
            }
        for (int h = 0; h < g.H; h++)
        {
            float* scales = (float*)(scratch + h * z.HeadWords + z.VScale);
            for (int c = 0; c < dv; c++)
            {
                scales[c] = Int8Quantization.SymmetricScale(bad[h * dv + c] == 0f ? amax[h * dv + c] : float.NaN);
                inverse[h * dv + c] = Int8Quantization.InverseScale(scales[c]);
            }
        }
    }

    /// <summary>One query row as uint8 codes (its own range, as dynamic quantization), words of G; scale·range scale and zero point out.</summary>
    private static void PackQuery(in AttentionGeometry g, in Layout z, float* q, int* dst, out float rowScale, out int zeroPoint)
    {
        float min = 0f, max = 0f, bad = 0f;
        int d0 = 0;
        if (g.D >= 8)
        {
            Vector256<float> vmin = default, vmax = default, vbad = default;
            for (; d0 <= g.D - 8; d0 += 8)
            {
                var x = Vector256.Load(q + d0);
                vmin = Vector256.MinNative(vmin, x);   // NaN is caught by bad
                vmax = Vector256.MaxNative(vmax, x);
                vbad += x * Vector256<float>.Zero;
            }
            (min, max) = (-HorizontalMax(-vmin), HorizontalMax(vmax));
            bad = Vector256.EqualsAll(vbad, Vector256<float>.Zero) ? 0f : float.NaN;
        }
        for (; d0 < g.D; d0++)
        {
            min = MathF.Min(min, q[d0]);
            max = MathF.Max(max, q[d0]);
            bad += q[d0] * 0f;   // NaN once any value is NaN or ±∞
        }
        float scale = Int8Quantization.RangeScale(min, max);
        zeroPoint = Int8Quantization.RangeZeroPoint(min, scale);
        rowScale = bad == 0f ? scale * g.Scale : float.NaN;
        float inverse = bad == 0f ? 1f / scale : 0f;
        if (z.G == 2)
        {
            var words = (ushort*)dst;
            int d = 0;
            var vi = Vector256.Create(inverse);
            var vz = Vector256.Create((float)zeroPoint);
            var lo = Vector256.Create(-512f);
            var hi = Vector256.Create(512f);
            var top = Vector256.Create(255f);
            // Int8Quantization.Quantize's operations (native min/max and conversion: the values are never NaN here,
            // and a NaN row's codes do not matter, its NaN scale carries the result).
            for (; d <= g.D - 8; d += 8)
            {
                var x = Vector256.MinNative(Vector256.MaxNative(Vector256.Load(q + d) * vi, lo), hi);
                var code = Vector256.MinNative(Vector256.MaxNative(Vector256.Round(x) + vz, Vector256<float>.Zero), top);
                var c32 = Vector256.ConvertToInt32Native(code);
                Vector128.Narrow(c32.GetLower().AsUInt32(), c32.GetUpper().AsUInt32()).Store(words + d);
            }
            for (; d < g.D; d++) words[d] = (ushort)Int8Quantization.Quantize(q[d], inverse, zeroPoint);
        }
        else
        {
            var bytes = (byte*)dst;
            for (int d = 0; d < g.D; d++) bytes[d] = (byte)Int8Quantization.Quantize(q[d], inverse, zeroPoint);
        }
    }

    /// <summary>
    /// One score row in place: int32 sums → (acc − z·Σk)·rowScale·ks + mask + padding (−∞ from <paramref name="end"/>),
    /// then p̂ = <see cref="Int8Quantization.ProbabilityCode"/>(s − max) into <paramref name="pa"/> (words of G).
    /// Returns 1/Σ p̂, or NaN when the row is masked everywhere or holds a NaN.
    /// </summary>
    private static float Softmax(in AttentionGeometry g, in Layout z, int* acc, int* ksum, float* ks, float rowScale, int zeroPoint,
        float* mask, float* pad, int end, int* pa)
    {
        float* s = (float*)acc;
        int width = z.KeysPadded, j = 0;
        var vz = Vector256.Create(zeroPoint);
        var vr = Vector256.Create(rowScale);
        var max = Vector256.Create(float.NegativeInfinity);
        var same = Vector256<float>.AllBitsSet;
        // Unit-stride masks (or none) vector-wise (512-bit lanes where the CPU has them, then 256); the scalar tail
        // and strided masks run the same float operations.
        bool unit = (mask is null || g.MS == 1) && (pad is null || g.PS == 1);
        if (unit && z.Wide)
        {
            var wz = Vector512.Create(zeroPoint);
            var wr = Vector512.Create(rowScale);
            var wmax = Vector512.Create(float.NegativeInfinity);
            var wsame = Vector512<float>.AllBitsSet;
            for (; j <= end - 16; j += 16)
            {
                var x = Vector512.ConvertToSingle(Vector512.Load(acc + j) - wz * Vector512.Load(ksum + j)) * wr * Vector512.Load(ks + j);
                if (mask is not null) x += Vector512.Load(mask + j);
                if (pad is not null) x += Vector512.Load(pad + j);
                x.Store(s + j);
                wmax = Vector512.MaxNative(wmax, x);
                wsame &= Vector512.Equals(x, x);
            }
            max = Vector256.MaxNative(wmax.GetLower(), wmax.GetUpper());
            same = wsame.GetLower() & wsame.GetUpper();
        }
        if (unit)
            for (; j <= end - 8; j += 8)
            {
                var x = Vector256.ConvertToSingle(Vector256.Load(acc + j) - vz * Vector256.Load(ksum + j)) * vr * Vector256.Load(ks + j);
                if (mask is not null) x += Vector256.Load(mask + j);
                if (pad is not null) x += Vector256.Load(pad + j);
                x.Store(s + j);
                max = Vector256.MaxNative(max, x);   // NaN is caught by `same`
                same &= Vector256.Equals(x, x);
            }
        float m = HorizontalMax(max);
        bool nan = same.ExtractMostSignificantBits() != 0xFFu;
        for (; j < width; j++)
        {
            float x = float.NegativeInfinity;
            if (j < end)
            {
                x = (float)(acc[j] - zeroPoint * ksum[j]) * rowScale * ks[j];
                if (mask is not null) x += mask[(long)j * g.MS];
                if (pad is not null) x += pad[(long)j * g.PS];
            }
            s[j] = x;
            nan |= float.IsNaN(x);
            m = MathF.Max(m, x);
        }
        if (nan || m == float.NegativeInfinity) return float.NaN;
        var vm = Vector256.Create(m);
        var sum = Vector256<int>.Zero;
        j = 0;
        if (z.Wide)
        {
            var wm = Vector512.Create(m);
            var wsum = Vector512<int>.Zero;
            for (; j <= width - 32; j += 32)
            {
                var c0 = ProbabilityCodes(Vector512.Load(s + j) - wm);
                var c1 = ProbabilityCodes(Vector512.Load(s + j + 16) - wm);
                wsum += c0 + c1;
                var words = Vector512.Narrow(c0.AsUInt32(), c1.AsUInt32());
                if (z.G == 2) words.Store((ushort*)pa + j);
                else Vector256.Narrow(words.GetLower(), words.GetUpper()).Store((byte*)pa + j);
            }
            sum = wsum.GetLower() + wsum.GetUpper();
        }
        for (; j < width; j += 16)
        {
            var c0 = ProbabilityCodes(Vector256.Load(s + j) - vm);
            var c1 = ProbabilityCodes(Vector256.Load(s + j + 8) - vm);
            sum += c0 + c1;
            var words = Vector256.Narrow(c0.AsUInt32(), c1.AsUInt32());   // code 0 for the −∞ past a row's keys
            if (z.G == 2) words.Store((ushort*)pa + j);
            else Vector128.Narrow(words.GetLower(), words.GetUpper()).Store((byte*)pa + j);
        }
        return 1f / Vector256.Sum(sum);
    }

    /// <summary><see cref="Int8Quantization.ProbabilityCode"/> on 16 lanes, the same float operations in the same order.</summary>
    private static Vector512<int> ProbabilityCodes(Vector512<float> x)
    {
        var t = Vector512.MaxNative(x, Vector512.Create(-24f)) * Vector512.Create(Int8Quantization.Log2E);
        var n = Vector512.Floor(t);
        var f = t - n;
        var p = (((Vector512.Create(Int8Quantization.Exp2C4) * f + Vector512.Create(Int8Quantization.Exp2C3)) * f
            + Vector512.Create(Int8Quantization.Exp2C2)) * f + Vector512.Create(Int8Quantization.Exp2C1)) * f + Vector512<float>.One;
        var pow = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConvertToInt32Native(Vector512.Round(p * pow * Vector512.Create(255f)));
    }

    /// <summary><see cref="Int8Quantization.ProbabilityCode"/> on 8 lanes, the same float operations in the same order.</summary>
    private static Vector256<int> ProbabilityCodes(Vector256<float> x)
    {
        var t = Vector256.MaxNative(x, Vector256.Create(-24f)) * Vector256.Create(Int8Quantization.Log2E);   // x is never NaN here
        var n = Vector256.Floor(t);
        var f = t - n;
        var p = (((Vector256.Create(Int8Quantization.Exp2C4) * f + Vector256.Create(Int8Quantization.Exp2C3)) * f
            + Vector256.Create(Int8Quantization.Exp2C2)) * f + Vector256.Create(Int8Quantization.Exp2C1)) * f + Vector256<float>.One;
        var pow = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.ConvertToInt32Native(Vector256.Round(p * pow * Vector256.Create(255f)));
    }

    /// <summary>
    /// Rows ahead that the packing loops prefetch when rows are not contiguous (a projection's heads interleaved in
    /// each row: the hardware prefetcher misses those strides; contiguous rows it streams by itself, and prefetching
    /// them measured slower).
    /// </summary>
    private const int Ahead = 6;

    /// <summary>Asks for the cache lines of x[0..count) (no effect without SSE).</summary>
    private static void Prefetch(float* x, int count)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < count; i += 16) Sse.Prefetch0(x + i);
        Sse.Prefetch0(x + count - 1);
    }

    /// <summary>The largest of 8 lanes that hold no NaN (exact: max does not depend on the order).</summary>
    private static float HorizontalMax(Vector256<float> v)
    {
        var m = Vector128.MaxNative(v.GetLower(), v.GetUpper());
        m = Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        return Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2))).ToScalar();
    }

    /// <summary>o[c] = acc[c]·vs[c]·inverseSum for c &lt; cols (NaN rows stay NaN).</summary>
    private static void Output(int* acc, float* vs, float inverseSum, float* o, int cols)
    {
        int c = 0;
        var w = Vector256.Create(inverseSum);
        for (; c <= cols - 8; c += 8) (Vector256.ConvertToSingle(Vector256.Load(acc + c)) * Vector256.Load(vs + c) * w).Store(o + c);
        for (; c < cols; c++) o[c] = acc[c] * vs[c] * inverseSum;
    }

    /// <summary>max |x[i·stride]| for i &lt; count, or NaN when any value is NaN or ±∞.</summary>
    private static float AbsMax(float* x, int count, long stride)
    {
        float amax = 0f, bad = 0f;
        int i = 0;
        if (stride == 1)
        {
            Vector256<float> vmax = default, vbad = default;
            for (; i <= count - 8; i += 8)
            {
                var x8 = Vector256.Load(x + i);
                vmax = Vector256.MaxNative(vmax, Vector256.Abs(x8));   // NaN is caught by bad
                vbad += x8 * Vector256<float>.Zero;
            }
            amax = HorizontalMax(vmax);
            bad = Vector256.EqualsAll(vbad, Vector256<float>.Zero) ? 0f : float.NaN;
        }
        for (; i < count; i++)
        {
            amax = MathF.Max(amax, MathF.Abs(x[i * stride]));
            bad += x[i * stride] * 0f;
        }
        return bad == 0f ? amax : float.NaN;
    }

    /// <summary>codes[i] = symmetric code of x[i·stride] for i &lt; count, 0 up to length; returns their sum.</summary>
    private static int Codes(float* x, long stride, int count, float inverse, short* codes, int length)
    {
        int sum = 0, i = 0;
        if (stride == 1)
        {
            var vi = Vector256.Create(inverse);
            var lo = Vector256.Create(-127f);
            var hi = Vector256.Create(127f);
            var vsum = Vector256<int>.Zero;
            for (; i <= count - 16; i += 16)
            {
                var c0 = Vector256.ConvertToInt32Native(Vector256.MinNative(Vector256.MaxNative(Vector256.Round(Vector256.Load(x + i) * vi), lo), hi));
                var c1 = Vector256.ConvertToInt32Native(Vector256.MinNative(Vector256.MaxNative(Vector256.Round(Vector256.Load(x + i + 8) * vi), lo), hi));
                vsum += c0 + c1;
                Vector256.Narrow(c0, c1).Store(codes + i);
            }
            sum = Vector256.Sum(vsum);
        }
        for (; i < count; i++)
        {
            int code = Int8Quantization.QuantizeSymmetric(x[i * stride], inverse);
            codes[i] = (short)code;
            sum += code;
        }
        for (; i < length; i++) codes[i] = 0;
        return sum;
    }

    /// <summary>The int16 codes as words of G: pairs as they lie, or quads after narrowing to bytes (in place).</summary>
    private static int* Words(short* codes, int groups, int g)
    {
        if (g == 2) return (int*)codes;
        var bytes = (sbyte*)codes;
        for (int i = 0; i < groups * 4; i++) bytes[i] = (sbyte)codes[i];
        return (int*)codes;
    }

    /// <summary>Offsets (in words) of one task's scratch regions and the tile sizes of the path.</summary>
    private readonly struct Layout
    {
        public readonly int Nr, G, DGroups, KPanels, KeysPadded, KGroups, VPanels, RowsPadded;

        /// <summary>The AVX-512 path: the softmax also runs on 512-bit lanes (same operations per lane, so the same bits).</summary>
        public readonly bool Wide;
        public readonly int KPacked, KSum, KScale, VPacked, VScale, QPacked, QZero, QRowScale, HeadWords, Scores, PPacked, PInverse, Total;

        public Layout(in AttentionGeometry g, Int8GemmPath path, int rows, int keys)
        {
            Nr = Int8GemmPaths.PanelWidth(path);
            Wide = path == Int8GemmPath.Avx512;
            G = Int8GemmPaths.Group(path);
            DGroups = (g.D + G - 1) / G;
            KPanels = Math.Max(1, (keys + Nr - 1) / Nr);
            KeysPadded = KPanels * Nr;
            KGroups = KeysPadded / G;
            VPanels = (g.Dv + Nr - 1) / Nr;
            RowsPadded = (rows + Mr - 1) / Mr * Mr;
            int at = 0;
            int Take(int words) { int start = at; at += (words + 15) & ~15; return start; }
            // Per head (HeadWords apart): its packed keys, values and queries; then the rows' scores and
            // probabilities, shared by the heads (they run one after another).
            KPacked = Take(KPanels * DGroups * Nr);
            KSum = Take(KeysPadded);
            KScale = Take(KeysPadded);
            VPacked = Take(VPanels * KGroups * Nr);
            VScale = Take(VPanels * Nr);
            QPacked = Take(RowsPadded * DGroups);
            QZero = Take(RowsPadded);
            QRowScale = Take(RowsPadded);
            HeadWords = at;
            at = g.H * HeadWords;
            Scores = Take(RowsPadded * KeysPadded);
            PPacked = Take(RowsPadded * KGroups);
            PInverse = Take(RowsPadded);
            Total = at;
        }
    }
}
