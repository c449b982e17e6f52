using DeepNet.Kernels;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

// Creation: constants, ranges, host arrays and random tensors.
public sealed partial class Tensor
{
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(int[] shape, Device? device = null) => Empty(shape, device ?? Device.Cpu, zeroed: true);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(int[] shape, Device? device = null) => Full(shape, 1f, device);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, float value, Device? device = null)
    {
        var t = Empty(shape, device ?? Device.Cpu);
        t.Backend.Fill(t.Buffer, t.Layout, value);
        return t;
    }

    /// <summary>A tensor of zeros of <paramref name="dtype"/>.</summary>
    public static Tensor Zeros(int[] shape, DType dtype, Device? device = null) => Empty(shape, device ?? Device.Cpu, zeroed: true, dtype);

    /// <summary>A tensor of ones of <paramref name="dtype"/> (Bool: True).</summary>
    public static Tensor Ones(int[] shape, DType dtype, Device? device = null) => Full(shape, 1L, dtype, device);

    /// <summary>
    /// A tensor of <paramref name="dtype"/> filled with <paramref name="value"/>: rounded once for a
    /// floating-point dtype; for an integer dtype the value must be an integer in its range (else
    /// ArgumentException: nothing is truncated silently); for Bool, nonzero is True.
    /// </summary>
    public static Tensor Full(int[] shape, double value, DType dtype, Device? device = null)
    {
        if (dtype.IsInteger() && !(Math.Floor(value) == value && value >= MinOf(dtype) && value <= MaxOf(dtype)))
            throw new ArgumentException($"full: {value} is not a value of {dtype} (an integer in [{MinOf(dtype)}, {MaxOf(dtype)}])");
        return FullFrom([value], shape, dtype, device);
    }

    /// <summary>A tensor of <paramref name="dtype"/> filled with the integer <paramref name="value"/> (exact for Int64 beyond 2^53).</summary>
    public static Tensor Full(int[] shape, long value, DType dtype, Device? device = null)
    {
        if (dtype.IsInteger() && (value < MinOf(dtype) || value > MaxOf(dtype)))
            throw new ArgumentException($"full: {value} is out of range for {dtype} [{MinOf(dtype)}, {MaxOf(dtype)}]");
        return FullFrom([value], shape, dtype, device);
    }

    public static Tensor ZerosLike(Tensor t) => Zeros(t.ShapeArray, t.DType, t.Device);
    public static Tensor OnesLike(Tensor t) => Ones(t.ShapeArray, t.DType, t.Device);

    /// <summary>One host value cast on the device into every element (a stride-0 source): the cast kernel's exact rounding.</summary>
    private static Tensor FullFrom<T>(T[] value, int[] shape, DType dtype, Device? device) where T : unmanaged
    {
        var d = device ?? Device.Cpu;
        var t = Empty(shape, d, dtype: dtype);
        using var one = FromArray(value, [], d);
        t.Backend.Cast(one.Buffer, ShapeMath.BroadcastTo(one.Layout, t.ShapeArray), t.Buffer, t.Layout);
        return t;
    }

    private static long MinOf(DType dtype) => dtype switch
    {
        DType.Int64 => long.MinValue,
        DType.Int32 => int.MinValue,
        DType.Int8 => sbyte.MinValue,
        _ => 0,
    };

    private static long MaxOf(DType dtype) => dtype switch
    {
        DType.Int64 => long.MaxValue,
        DType.Int32 => int.MaxValue,
        DType.Int8 => sbyte.MaxValue,
        DType.UInt8 => byte.MaxValue,
        _ => 1,
    };

    /// <summary>[start, start+step, ...) up to but excluding <paramref name="end"/>, of an integer (or float) <paramref name="dtype"/>, as torch.arange(..., dtype=torch.int64).</summary>
    public static Tensor Arange(long start, long end, long step, DType dtype, Device? device = null)
    {
        if (step == 0 || (end - start) / (double)step < 0)
            throw new ArgumentException($"arange: no values from {start} to {end} with step {step}");
        long n = (end - start + step - Math.Sign(step)) / step;
        if (n > int.MaxValue) throw new ArgumentException($"arange: {n} values are too many for one tensor");
        var data = new long[n];
        for (long i = 0; i < n; i++) data[i] = start + i * step;
        using var ids = FromArray(data, [(int)n], device);
        return dtype == DType.Int64 ? ids.Alias() : ids.To(dtype);
    }

    /// <summary>[0, 1, ..., end-1] of <paramref name="dtype"/> (Int64 for ids: torch.arange(end)).</summary>
    public static Tensor Arange(long end, DType dtype, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>A 0-d tensor holding one value.</summary>
    public static Tensor Scalar(float value, Device? device = null) => Full([], value, device);

    /// <summary>[start, start+step, ...) up to but excluding <paramref name="end"/>.</summary>
    public static Tensor Arange(float start, float end, float step = 1f, Device? device = null)
    {
        if (step == 0f || (end - start) / step < 0)
            throw new ArgumentException($"arange: no values from {start} to {end} with step {step}");
        int n = (int)Math.Ceiling((end - start) / step);
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = start + i * step;
        return FromArray(data, [n], device);
    }

    /// <summary>[0, 1, ..., end-1].</summary>
    public static Tensor Arange(int end, Device? device = null) => Arange(0, end, 1, device);

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(float start, float end, int steps, Device? device = null)
    {
        if (steps < 1) throw new ArgumentException($"linspace: steps must be >= 1, got {steps}");
        var data = new float[steps];
        for (int i = 0; i < steps; i++) data[i] = steps == 1 ? start : start + (end - start) * i / (steps - 1);
        return FromArray(data, [steps], device);
    }

    /// <summary>A tensor of the given shape holding a copy of <paramref name="data"/> (row-major).</summary>
    /// <remarks>
    /// Preferred over the typed overload when both apply, so a collection expression of integer
    /// literals (<c>FromArray([0, 1], [2])</c>) stays float32 as it always was; pass a typed array
    /// (<c>new long[] { 0, 1 }</c>) or name the type (<c>FromArray&lt;long&gt;(...)</c>) for another dtype.
    /// </remarks>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static Tensor FromArray(float[] data, int[] shape, Device? device = null)
    {
        if (ShapeMath.Size(shape) != data.Length)
            throw new ArgumentException($"from_array: {data.Length} values cannot fill shape {ShapeMath.Format(shape)}");
        var t = Empty(shape, device ?? Device.Cpu);
        t.Backend.CopyFromHost(data, t.Buffer, 0);
        return t;
    }

    /// <summary>A 1-d tensor.</summary>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static Tensor FromArray(float[] data, Device? device = null) => FromArray(data, [data.Length], device);

    /// <summary>
    /// A tensor of the dtype whose host type is <typeparamref name="T"/> (long → Int64, int → Int32,
    /// double → Float64, bool → Bool, Half → Float16, BFloat16, sbyte → Int8, byte → UInt8), copying <paramref name="data"/> (row-major).
    /// </summary>
    public static Tensor FromArray<T>(T[] data, int[] shape, Device? device = null) where T : unmanaged
    {
        var dtype = DTypes.Of<T>();
        if (ShapeMath.Size(shape) != data.Length)
            throw new ArgumentException($"from_array: {data.Length} values cannot fill shape {ShapeMath.Format(shape)}");
        var t = Empty(shape, device ?? Device.Cpu, dtype: dtype);
        t.Backend.CopyFromHost<T>(data, t.Buffer, 0);
        return t;
    }

    /// <summary>A 1-d tensor of the dtype whose host type is <typeparamref name="T"/>.</summary>
    public static Tensor FromArray<T>(T[] data, Device? device = null) where T : unmanaged => FromArray(data, [data.Length], device);

    /// <summary>A tensor from a host array of any dtype's host type (what <see cref="ToHostArray"/> returns); the array's element type gives the dtype.</summary>
    public static Tensor FromHostArray(Array data, int[] shape, Device? device = null) => data switch
    {
        float[] a => FromArray(a, shape, device),
        double[] a => FromArray(a, shape, device),
        DeepNet.Kernels.BFloat16[] a => FromArray(a, shape, device),
        Half[] a => FromArray(a, shape, device),
        long[] a => FromArray(a, shape, device),
        int[] a => FromArray(a, shape, device),
        bool[] a => FromArray(a, shape, device),
        // byte[] and sbyte[] pass each other's type test at run time; the static type decides.
        _ when data.GetType() == typeof(sbyte[]) => FromArray((sbyte[])data, shape, device),
        _ when data.GetType() == typeof(byte[]) => FromArray((byte[])data, shape, device),
        _ => throw new ArgumentException($"from_array: {data.GetType().Name} is not the host array of any dtype"),
    };

    public static Tensor FromArray(float[,] data, Device? device = null) =>
        FromArray(FlattenArray(data), [data.GetLength(0), data.GetLength(1)], device);

    public static Tensor FromArray(float[,,] data, Device? device = null) =>
        FromArray(FlattenArray(data), [data.GetLength(0), data.GetLength(1), data.GetLength(2)], device);

    public static Tensor FromArray(float[,,,] data, Device? device = null) =>
        FromArray(FlattenArray(data), [data.GetLength(0), data.GetLength(1), data.GetLength(2), data.GetLength(3)], device);

    private static float[] FlattenArray(Array data)
    {
        var flat = new float[data.Length];
        System.Buffer.BlockCopy(data, 0, flat, 0, data.Length * sizeof(float));
        return flat;
    }

    /// <summary>Uniform on [low, high).</summary>
    public static Tensor Rand(int[] shape, Generator? generator = null, Device? device = null, float low = 0f, float high = 1f) =>
        Random(RandomKind.Uniform, low, high, shape, generator, device);

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static Tensor Randn(int[] shape, Generator? generator = null, Device? device = null, float mean = 0f, float std = 1f) =>
        Random(RandomKind.Normal, mean, std, shape, generator, device);

    /// <summary>Uniform on [low, high) in <paramref name="dtype"/>: Float32 (24 random bits) or Float64 (53 bits, drawn in double).</summary>
    public static Tensor Rand(int[] shape, DType dtype, Generator? generator = null, Device? device = null, double low = 0, double high = 1) =>
        Random(RandomKind.Uniform, low, high, shape, generator, device, dtype);

    /// <summary>Normal with the given mean and standard deviation in <paramref name="dtype"/> (Float32 or Float64, drawn in double).</summary>
    public static Tensor Randn(int[] shape, DType dtype, Generator? generator = null, Device? device = null, double mean = 0, double std = 1) =>
        Random(RandomKind.Normal, mean, std, shape, generator, device, dtype);

    /// <summary>Integers uniform on [low, high), stored as float32.</summary>
    public static Tensor RandInt(int low, int high, int[] shape, Generator? generator = null, Device? device = null)
    {
        if (high <= low) throw new ArgumentException($"randint: high ({high}) must be greater than low ({low})");
        return DisposeScope.Run(() => Rand(shape, generator, device, low, high).Floor().Clamp(low, high - 1));
    }

    private static Tensor Random(RandomKind kind, double a, double b, int[] shape, Generator? generator, Device? device,
        DType dtype = DType.Float32)
    {
        if (dtype is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"{(kind == RandomKind.Uniform ? "rand" : "randn")}: draws Float32 or Float64, not {dtype}; convert the result with To({dtype})");
        var g = generator ?? Generator.Default;
        var t = Empty(shape, device ?? Device.Cpu, dtype: dtype);
        t.Backend.Random(kind, a, b, g.Seed, g.Take(t.Size), t.Buffer, 0, t.Size);
        return t;
    }
}
