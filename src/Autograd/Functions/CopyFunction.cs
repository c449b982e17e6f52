using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>A dense copy (Contiguous, Clone); the gradient passes through.</summary>
internal sealed class CopyFunction : Function
{
    public static Tensor Apply(Tensor x)
    {
        var y = Tensor.EmptyLike(x, x.Device);
        x.Backend.Copy(x.Buffer, x.Layout, y.Buffer, y.Layout);
        return ShouldRecord(x) ? new CopyFunction().Record(y, x) : y;
    }

    protected internal override Tensor?[] Backward(Tensor gradOutput) => Gradient(gradOutput.Alias());
}
