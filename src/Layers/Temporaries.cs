using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Intermediate tensors of one forward, disposed together at the end. Unlike a
/// <see cref="DisposeScope"/> it frees only what was handed to it: a scope would also free the
/// aliases that autograd functions save for backward, which are created inside the forward too.
/// </summary>
internal sealed class Temporaries : IDisposable
{
    private readonly List<Tensor> _tensors = [];

    /// <summary>Registers <paramref name="tensor"/> for disposal and returns it.</summary>
    public Tensor Add(Tensor tensor)
    {
        _tensors.Add(tensor);
        return tensor;
    }

    public void Dispose()
    {
        foreach (var t in _tensors) t.Dispose();
        _tensors.Clear();
    }
}
