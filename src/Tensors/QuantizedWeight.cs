using DeepNet.Kernels;

namespace DeepNet.Tensors;

/// <summary>
/// A weight quantized per output channel, symmetric int8 (torch.per_channel_symmetric, qint8 with
/// the range narrowed to [−127, 127]): w[o, ...] ≈ Scales[o]·Values[o, ...], Scales[o] = max|w[o, ...]|/127.
/// Holds the int8 values and float scales (what a file stores) and the form packed once for its
/// device's int8 kernels. Dim 0 is the output channel: Dense [out, in], Conv2D [K, C, R, S].
/// </summary>
public sealed class QuantizedWeight : IDisposable
{
    private PackedInt8Weight? _packed;
    private readonly bool _lookup;

    /// <summary>From int8 values (row-major, <paramref name="shape"/>) and one scale per output channel.</summary>
    public QuantizedWeight(sbyte[] values, float[] scales, int[] shape, Device? device = null) : this(values, scales, shape, device, lookup: false)
    {
    }

    /// <summary>
    /// <paramref name="lookup"/>: a table read a row at a time (a quantized embedding), kept row-major
    /// instead of packed for the GEMM.
    /// </summary>
    private QuantizedWeight(sbyte[] values, float[] scales, int[] shape, Device? device, bool lookup)
    {
        if (shape.Length < 2 || shape.Any(d => d <= 0))
            throw new ArgumentException($"quantized weight: shape [{string.Join(", ", shape)}] must have at least two positive dims (output channels first)");
        long size = shape.Aggregate(1L, (a, d) => a * d);
        if (values.LongLength != size)
            throw new ArgumentException($"quantized weight: {values.Length} int8 values do not fill shape [{string.Join(", ", shape)}]");
        if (scales.Length != shape[0])
            throw new ArgumentException($"quantized weight: {scales.Length} scales for {shape[0]} output channels");
        foreach (float s in scales)
            if (!(s > 0f) || !float.IsFinite(s))
                throw new ArgumentException($"quantized weight: scales must be positive and finite, got {s}");
        if (values.Contains(sbyte.MinValue))
            throw new ArgumentException("quantized weight: value −128 is outside the symmetric range [−127, 127]");
        Values = values;
        Scales = scales;
        Shape = new Shape(shape);
        Device = device ?? Device.Cpu;
        OutChannels = shape[0];
        InFeatures = (int)(size / shape[0]);
        _lookup = lookup;
        _packed = lookup ? PackedInt8Weight.Rows(Device.Backend, values, OutChannels, InFeatures, scales)
            : PackedInt8Weight.Pack(Device.Backend, values, OutChannels, InFeatures, scales, shape.Length == 4 ? (shape[1], shape[2], shape[3]) : null);
    }

    /// <summary>Quantizes a float weight per output channel (dim 0), rounding half to even.</summary>
    public static QuantizedWeight Quantize(Tensor weight, Device? device = null) => Quantize(weight, device, lookup: false);

    /// <summary>An embedding table quantized per row (each row its own scale), kept for row lookups.</summary>
    public static QuantizedWeight QuantizeRows(Tensor table, Device? device = null) => Quantize(table, device, lookup: true);

    /// <summary>Int8 rows and their scales as a lookup table (a saved quantized embedding).</summary>
    public static QuantizedWeight Rows(sbyte[] values, float[] scales, int[] shape, Device? device = null) =>
        new(values, scales, shape, device, lookup: true);

    /// <summary>True for a row-lookup table (<see cref="QuantizeRows"/>), false for a GEMM weight.</summary>
    public bool IsLookupTable => _lookup;

    private static QuantizedWeight Quantize(Tensor weight, Device? device, bool lookup)
    {
        if (weight.Rank < 2) throw new ArgumentException($"quantized weight: weight {weight.Shape} needs an output-channel dim and inputs");
        float[] w = weight.ToArray();
        int rows = weight.ShapeArray[0], cols = (int)(w.Length / rows);
        var values = new sbyte[w.Length];
        var scales = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = w.AsSpan(r * cols, cols);
            float amax = 0f;
            foreach (float v in row)
            {
                if (!float.IsFinite(v)) throw new ArgumentException($"quantized weight: output channel {r} holds {v}; only finite weights quantize");
                amax = Math.Max(amax, Math.Abs(v));
            }
            // An all-zero channel keeps scale 1 (every code 0), as torch's eps floor would.
            float scale = amax > 0f ? amax / 127f : 1f;
            scales[r] = scale;
            for (int c = 0; c < cols; c++) values[r * cols + c] = (sbyte)Math.Clamp(MathF.Round(row[c] / scale), -127f, 127f);
        }
        return new QuantizedWeight(values, scales, weight.ShapeArray, device ?? weight.Device, lookup);
    }

    /// <summary>The int8 values, row-major in <see cref="Shape"/>.</summary>
    public sbyte[] Values { get; }

    /// <summary>One scale per output channel.</summary>
    public float[] Scales { get; }

    public Shape Shape { get; }

    public Device Device { get; }

    /// <summary>Dim 0.</summary>
    public int OutChannels { get; }

    /// <summary>The product of the other dims (the GEMM's K).</summary>
    public int InFeatures { get; }

    internal PackedInt8Weight Packed => _packed ?? throw new ObjectDisposedException(nameof(QuantizedWeight));

    /// <summary>Scales[o]·Values[o, ...] as a float tensor of <see cref="Shape"/>.</summary>
    public Tensor Dequantize()
    {
        var data = new float[Values.Length];
        for (int i = 0; i < data.Length; i++) data[i] = Scales[i / InFeatures] * Values[i];
        return Tensor.FromArray(data, Shape, Device);
    }

    /// <summary>The same weight packed for <paramref name="device"/>.</summary>
    public QuantizedWeight To(Device device) => new(Values, Scales, Shape, device, _lookup);

    public void Dispose()
    {
        _packed?.Dispose();
        _packed = null;
    }
}
