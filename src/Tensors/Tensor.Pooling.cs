using DeepNet.Autograd;
using DeepNet.Autograd.Functions;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// 2-d pooling as torch.nn.functional's max_pool2d / avg_pool2d. Max pooling is a primitive
// (MaxPool2DFunction: argmax forward, scatter backward); average pooling is composed on Im2Col:
// windows are gathered into columns and reduced. Ceil mode pads the bottom/right explicitly so that the
// last, partial window exists; it never starts in the right/bottom padding (torch's rule).
public sealed partial class Tensor
{
    /// <summary>
    /// torch.nn.functional.max_pool2d: the maximum over R×S windows (dilated by
    /// <paramref name="dilation"/>). x: [N, C, H, W] → [N, C, P, Q], P = ⌊(H + 2p − d(R−1) − 1)/s⌋ + 1
    /// (⌈⌉ with <paramref name="ceilMode"/>); padding reads −∞; stride defaults to the kernel.
    /// A primitive: the forward records each window's argmax, the backward scatters to it.
    /// </summary>
    public Tensor MaxPool2D((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, bool ceilMode = false)
    {
        if (DType == DType.Float64)
        {
            using var both = MaxPool2DComposite(kernel, stride, padding, dilation, ceilMode);
            return both.Values.AliasInGraph();
        }
        var (values, indices) = MaxPool2DFunction.Apply(this, MaxPoolGeometry(kernel, stride, padding, dilation, ceilMode));
        indices.Dispose();
        return values;
    }

    /// <summary>
    /// max_pool2d with return_indices=True: the values (the gradient flows to the selected element
    /// only, as torch) and each maximum's flat index h·W + w within its input plane, both
    /// [N, C, P, Q] (Int64, as torch); the shapes and arguments of <see cref="MaxPool2D"/>.
    /// </summary>
    public ValuesAndIndices MaxPool2DWithIndices((int H, int W) kernel, (int H, int W)? stride = null,
        (int H, int W)? padding = null, (int H, int W)? dilation = null, bool ceilMode = false)
    {
        if (DType == DType.Float64) return MaxPool2DComposite(kernel, stride, padding, dilation, ceilMode);
        var (values, flat) = MaxPool2DFunction.Apply(this, MaxPoolGeometry(kernel, stride, padding, dilation, ceilMode));
        // The kernel records the flat plane offset as a float (exact: a plane has < 2^24 elements); indices are Int64, as torch's.
        using (flat) return new ValuesAndIndices(values, flat.To(DType.Int64));
    }

    /// <summary>
    /// Float64 max pooling: the composite that defines the primitive, Im2Col with −∞ padding then
    /// torch.max along the window (first maximum in window order, NaN wins, the gradient to that one
    /// element), the window-local index mapped to the flat plane index h·W + w by a constant table.
    /// </summary>
    private ValuesAndIndices MaxPool2DComposite((int H, int W) kernel, (int H, int W)? stride, (int H, int W)? padding,
        (int H, int W)? dilation, bool ceilMode)
    {
        var w = PoolWindows("max_pool2d", kernel, stride, padding, dilation ?? (1, 1), ceilMode);
        var g = w.G;
        int p = w.P, q = w.Q, rs = g.R * g.S;
        var flat = new double[rs * p * q];
        for (int j = 0; j < rs; j++)
        for (int i = 0; i < p * q; i++)
        {
            int h = i / q * g.StrideH - g.PadH + j / g.S * g.DilationH, x = i % q * g.StrideW - g.PadW + j % g.S * g.DilationW;
            flat[j * p * q + i] = (double)h * w.W + x;
        }
        var (values, indices) = DisposeScope.Run(() =>
        {
            var (v, local) = w.Columns(this, float.NegativeInfinity).Max(1);   // [N·C, P·Q]
            var table = FromArray(flat, [rs, p * q], Device);
            return (v.Reshape(w.N, w.C, p, q), table.Gather(0, local).To(DType.Int64).Reshape(w.N, w.C, p, q));
        });
        return new ValuesAndIndices(values, indices!);
    }

    private MaxPool2DGeometry MaxPoolGeometry((int H, int W) kernel, (int H, int W)? stride, (int H, int W)? padding,
        (int H, int W)? dilation, bool ceilMode)
    {
        var w = PoolWindows("max_pool2d", kernel, stride, padding, dilation ?? (1, 1), ceilMode);
        var g = w.G;
        return new MaxPool2DGeometry(w.N * w.C, w.H, w.W, g.R, g.S, g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, w.P, w.Q);
    }

    /// <summary>
    /// torch.nn.functional.avg_pool2d: the mean over R×S windows. x: [N, C, H, W] → [N, C, P, Q].
    /// With <paramref name="countIncludePad"/> (torch's default) the zero padding counts in the
    /// divisor; without it only input elements do. Ceil mode's extra bottom/right overhang never counts.
    /// </summary>
    public Tensor AvgPool2D((int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null,
        bool ceilMode = false, bool countIncludePad = true)
    {
        var w = PoolWindows("avg_pool2d", kernel, stride, padding, (1, 1), ceilMode);
        bool plain = w.ExtraH == 0 && w.ExtraW == 0 && (countIncludePad || w.G.PadH == 0 && w.G.PadW == 0);
        return DisposeScope.Run(() =>
        {
            var cols = w.Columns(this, 0f);
            if (plain) return cols.Mean(1).Reshape(w.N, w.C, w.P, w.Q);
            // Divisor per window: the pooled sum of a ones mask over what counts.
            var ones = Ones([1, 1, w.H, w.W], Device);
            var counted = new PoolWindowsGeometry(w.G with { N = 1 }, 1, 1, w.H, w.W, w.ExtraH, w.ExtraW)
                .Columns(ones, 0f, countIncludePad ? 1f : 0f).Sum(1);               // [1, P·Q]
            return (cols.Sum(1) / counted).Reshape(w.N, w.C, w.P, w.Q);
        });
    }

    private PoolWindowsGeometry PoolWindows(string op, (int H, int W) kernel, (int H, int W)? stride, (int H, int W)? padding,
        (int H, int W) dilation, bool ceilMode)
    {
        ThrowIfDisposed();
        if (Rank != 4) throw new ArgumentException($"{op}: expects input [N,C,H,W], got {Shape}");
        var (sh, sw) = stride ?? kernel;
        var (ph, pw) = padding ?? (0, 0);
        if (ph * 2 > kernel.H || pw * 2 > kernel.W)
            throw new ArgumentException($"{op}: padding ({ph},{pw}) must be at most half the kernel ({kernel.H},{kernel.W})");
        int n = ShapeArray[0], c = ShapeArray[1], h = ShapeArray[2], wd = ShapeArray[3];
        var g = new Conv2DGeometry(n * c, 1, h, wd, kernel.H, kernel.W, sh, sw, ph, pw, dilation.H, dilation.W).Validate(op);
        int extraH = ceilMode ? CeilExtra(h, kernel.H, sh, ph, dilation.H) : 0;
        int extraW = ceilMode ? CeilExtra(wd, kernel.W, sw, pw, dilation.W) : 0;
        return new PoolWindowsGeometry(g, n, c, h, wd, extraH, extraW);
    }

    // Rows to append so that floor division gives torch's ceil-mode output size.
    private static int CeilExtra(int size, int k, int s, int p, int d)
    {
        int span = size + 2 * p - d * (k - 1) - 1;
        if (span < 0) return 0;
        int outFloor = span / s + 1;
        int outCeil = (span + s - 1) / s + 1;
        if ((outCeil - 1) * s >= size + p) outCeil--;   // the last window must start inside the input or left padding
        return (outCeil - outFloor) * s;
    }

    /// <summary>Pooling windows: the geometry (padding symmetric) and the ceil-mode overhang (bottom/right).</summary>
    private readonly record struct PoolWindowsGeometry(Conv2DGeometry G, int N, int C, int H, int W, int ExtraH, int ExtraW)
    {
        public int P => G.P + ExtraH / G.StrideH;
        public int Q => G.Q + ExtraW / G.StrideW;

        /// <summary>[N·C, R·S, P·Q] columns; padding reads <paramref name="padValue"/>, the overhang <paramref name="overhangValue"/>.</summary>
        public Tensor Columns(Tensor x, float padValue, float? overhangValue = null)
        {
            var planes = x.Reshape(N * C, 1, H, W);
            if (ExtraH == 0 && ExtraW == 0 && overhangValue is null) return Im2ColFunction.Apply(planes, G, padValue);
            // Explicit padding: symmetric with padValue, then the overhang (never counted, −∞ or 0).
            float overhang = padValue == float.NegativeInfinity ? padValue : 0f;
            var padded = Pad(planes, G.PadH, G.PadH, G.PadW, G.PadW, overhangValue ?? padValue);
            padded = Pad(padded, 0, ExtraH, 0, ExtraW, overhang);
            var g = G with { H = H + 2 * G.PadH + ExtraH, W = W + 2 * G.PadW + ExtraW, PadH = 0, PadW = 0 };
            return Im2ColFunction.Apply(padded, g, padValue);
        }

        private static Tensor Pad(Tensor x, int top, int bottom, int left, int right, float value)
        {
            int[] s = x.ShapeArray;
            Tensor Block(int h, int w) => Full([s[0], s[1], h, w], value, x.Device);
            if (top + bottom > 0) x = Cat([.. top > 0 ? [Block(top, s[3])] : Array.Empty<Tensor>(), x, .. bottom > 0 ? [Block(bottom, s[3])] : Array.Empty<Tensor>()], 2);
            s = x.ShapeArray;
            if (left + right > 0) x = Cat([.. left > 0 ? [Block(s[2], left)] : Array.Empty<Tensor>(), x, .. right > 0 ? [Block(s[2], right)] : Array.Empty<Tensor>()], 3);
            return x;
        }
    }
}
