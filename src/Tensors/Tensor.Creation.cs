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

    public static Tensor ZerosLike(Tensor t) => Zeros(t.ShapeArray, t.Device);
    public static Tensor OnesLike(Tensor t) => Ones(t.ShapeArray, t.Device);

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
    public static Tensor FromArray(float[] data, int[] shape, Device? device = null)
    {
        if (ShapeMath.Size(shape) != data.Length)
            throw new ArgumentException($"from_array: {data.Length} values cannot fill shape {ShapeMath.Format(shape)}");
        var t = Empty(shape, device ?? Device.Cpu);
        t.Backend.CopyFromHost(data, t.Buffer, 0);
        return t;
    }

    /// <summary>A 1-d tensor.</summary>
    public static Tensor FromArray(float[] data, Device? device = null) => FromArray(data, [data.Length], device);

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

    /// <summary>Integers uniform on [low, high), stored as float32.</summary>
    public static Tensor RandInt(int low, int high, int[] shape, Generator? generator = null, Device? device = null)
    {
        if (high <= low) throw new ArgumentException($"randint: high ({high}) must be greater than low ({low})");
        return DisposeScope.Run(() => Rand(shape, generator, device, low, high).Floor().Clamp(low, high - 1));
    }

    private static Tensor Random(RandomKind kind, float a, float b, int[] shape, Generator? generator, Device? device)
    {
        var g = generator ?? Generator.Default;
        var t = Empty(shape, device ?? Device.Cpu);
        t.Backend.Random(kind, a, b, g.Seed, g.Take(t.Size), t.Buffer, 0, t.Size);
        return t;
    }
}
