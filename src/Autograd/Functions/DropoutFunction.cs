using DeepNet.Kernels.Fused;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Fused inverted dropout on Float32: y = x ⊙ (Rand(x.shape) ≥ p)·1/(1−p) in one pass, the mask drawn
/// in the kernel from the generator's next block (the draws the composite's Rand would take), never stored.
/// Replaces Rand → Ge → Mul (tests/DeepNet.Tests/Tensors/DropoutFusedTests asserts equality, forward and gradient).
/// </summary>
internal sealed class DropoutFunction : Function
{
    private ulong _seed, _counter;
    private float _p, _scale;

    /// <summary>x: Float32 of any layout; p in (0, 1).</summary>
    public static Tensor Apply(Tensor x, float p, Generator generator)
    {
        if (!x.IsContiguous)
        {
            using var dense = x.Contiguous();
            return Apply(dense, p, generator);
        }
        var node = new DropoutFunction
        {
            _seed = generator.Seed, _counter = generator.Take(x.Size), _p = p, _scale = 1f / (1f - p),
        };
        var y = node.Run(x);
        return ShouldRecord(x) ? node.Record(y, x) : y;
    }

    private Tensor Run(Tensor x)
    {
        var y = Tensor.Empty(x.ShapeArray, x.Device);
        x.Backend.Run(new Dropout(_seed, _counter, _p, _scale, x.Size, x.Buffer, x.Layout.Offset, y.Buffer));
        return y;
    }

    // y = x ⊙ m·s is linear in x ⇒ dx = dy ⊙ m·s: the same kernel, the same draws, on dy
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        using var gradY = gradOutput.IsContiguous ? gradOutput.Alias() : gradOutput.Contiguous();
        return Gradient(Run(gradY));
    }
}
