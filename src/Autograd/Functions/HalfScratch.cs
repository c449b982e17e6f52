using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// How the float32 kernels of matmul, im2col, bias + activation, attention, max-pool, the unary ops
/// and the binary ops of two operands of one 16-bit dtype serve BFloat16 and Float16 tensors (docs/mixed-precision.md): the op converts its 16-bit
/// operands into float32 scratch, runs the kernel, rounds the result once into the 16-bit output
/// and frees the scratch at once; what the node saves for backward are the 16-bit tensors
/// themselves, so the activations kept between forward and backward take half the memory
/// (backward converts them into scratch again).
/// </summary>
internal static class HalfScratch
{
    /// <summary>True for the 16-bit float dtypes this scratch path serves.</summary>
    public static bool IsHalf(DType dtype) => dtype is DType.BFloat16 or DType.Float16;

    /// <summary>x's values as a dense Float32 tensor, with no graph; the caller disposes it.</summary>
    public static Tensor Float32(Tensor x)
    {
        var y = Tensor.Empty(x.ShapeArray, x.Device);
        x.Backend.Cast(x.Buffer, x.Layout, y.Buffer, y.Layout);
        return y;
    }

    /// <summary>x as Float32 scratch when it is 16-bit, else an alias of it; the caller disposes it.</summary>
    public static Tensor Float32OrAlias(Tensor x) => IsHalf(x.DType) ? Float32(x) : x.Alias();

    /// <summary>A float32 result rounded once into a new dense tensor of <paramref name="dtype"/>; disposes <paramref name="x32"/>.</summary>
    public static Tensor Round(Tensor x32, DType dtype)
    {
        using (x32)
        {
            var y = Tensor.Empty(x32.ShapeArray, x32.Device, dtype: dtype);
            x32.Backend.Cast(x32.Buffer, x32.Layout, y.Buffer, y.Layout);
            return y;
        }
    }

    /// <summary>Refuses operands of two different dtypes (torch's "expected both of one dtype"), naming the op and both.</summary>
    public static void RequireSameDType(string op, Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: operands have dtypes {a.DType} and {b.DType}; convert one with To(dtype), " +
                "or run the op inside Autocast.Enable(...) to compute it in 16 bits with float32 accumulation");
    }
}
