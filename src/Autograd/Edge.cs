using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// Where the gradient of one input of a <see cref="Function"/> goes: to the function that
/// produced that input, or into the leaf tensor's Grad. Shape is the input's shape, to which the
/// gradient is summed back when the op broadcast it.
/// </summary>
internal readonly record struct Edge(Function? Producer, Tensor? Leaf, int[] Shape)
{
    public bool IsLive => Producer is not null || Leaf is not null;
}
