using DeepNet.Kernels;
using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>torch.gather along a dim; the backward is a scatter-add into zeros.</summary>
internal sealed class GatherFunction : Function
{
    private readonly int _dim;
    private readonly int[] _inputShape;
    private Tensor _index = null!;

    private GatherFunction(int dim, int[] inputShape)
    {
        _dim = dim;
        _inputShape = inputShape;
    }

    /// <summary>The dim gathered along, for export.</summary>
    internal int Dim => _dim;

    public static Tensor Apply(Tensor x, int dim, Tensor index)
    {
        Tensor.CheckSameDevice("gather", x, index);
        if (index.Rank != x.Rank)
            throw new ArgumentException($"gather: index rank {index.Rank} must equal input rank {x.Rank} (input {x.Shape}, index {index.Shape})");
        for (int d = 0; d < x.Rank; d++)
            if (d != dim && index.ShapeArray[d] > x.ShapeArray[d])
                throw new ArgumentException($"gather: index {index.Shape} is larger than input {x.Shape} in dim {d}");
        var y = Tensor.Empty(index.ShapeArray, x.Device, dtype: DTypeRouting.KernelDType(x));
        x.Backend.Gather(x.Buffer, x.Layout, dim, index.Buffer, index.Layout, y.Buffer, y.Layout);
        if (!ShouldRecord(x)) return y;
        var node = new GatherFunction(dim, x.ShapeArray);
        node._index = node.Save(index);
        // A capture records the index as a second edge (no gradient flows to it): ids that come from the input.
        return IsCapturing ? node.Record(y, x, index) : node.Record(y, x);
    }

    // dx[..., index[i], ...] += dy[i]
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var gradInput = Tensor.Zeros(_inputShape, gradOutput.DType, gradOutput.Device);
        gradOutput.Backend.ScatterAdd(gradOutput.Buffer, gradOutput.Layout, _dim, _index.Buffer, _index.Layout,
            gradInput.Buffer, gradInput.Layout);
        return Gradient(gradInput);
    }
}
