using DeepNet.Autograd.Functions;
using DeepNet.Autograd;

namespace DeepNet.Tensors;

// Moving data in and out: host arrays, devices, copies, detaching from the graph.
public sealed partial class Tensor
{
    /// <summary>The elements in row-major order, copied to a host array.</summary>
    public float[] ToArray()
    {
        using var dense = IsContiguous ? Alias() : Materialize();
        var result = new float[Size];
        Backend.CopyToHost(dense.Buffer, dense.Layout.Offset, result);
        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"item: only one-element tensors convert to a number, got shape {Shape}");
        return ToArray()[0];
    }

    /// <summary>This tensor on <paramref name="device"/> (itself, aliased, when already there).</summary>
    public Tensor To(Device device)
    {
        ThrowIfDisposed();
        if (device == Device) return AliasInGraph();   // a no-op move keeps gradients flowing, as torch's .to
        var moved = FromArray(ToArray(), ShapeArray, device);
        moved.RequiresGrad = RequiresGrad && IsLeaf;
        return moved;
    }

    /// <summary>
    /// Moves this leaf's data to <paramref name="device"/> in place, keeping the object, as
    /// <c>param.data = param.data.to(device)</c>: modules move their parameters this way so
    /// optimizers and user references stay valid. Any gradient is dropped.
    /// </summary>
    public void MoveDataTo(Device device)
    {
        ThrowIfDisposed();
        if (!IsLeaf) throw new InvalidOperationException($"move_data_to: only leaf tensors move in place; this one has grad_fn {GradFn!.Name}");
        if (device == Device) return;
        var moved = FromArray(ToArray(), ShapeArray, device).DetachFromScope();
        moved._storage.AddReference();
        var old = _storage;
        _storage = moved._storage;
        _strides = moved._strides;
        _offset = 0;
        moved.Dispose();
        old.Release();
        ZeroGrad();
    }

    /// <summary>A dense copy that stays in the graph.</summary>
    public Tensor Clone() => CopyFunction.Apply(this);

    /// <summary>This tensor when already dense, else a dense copy (in the graph).</summary>
    public Tensor Contiguous() => IsContiguous ? AliasInGraph() : Clone();

    /// <summary>A tensor sharing storage with this one but cut from the graph.</summary>
    public Tensor Detach() => Alias();

    private Tensor Materialize()
    {
        var t = Empty(ShapeArray, Device);
        Backend.Copy(Buffer, Layout, t.Buffer, t.Layout);
        return t;
    }

    /// <summary>An alias that keeps this tensor's place in the graph (a no-op view).</summary>
    internal Tensor AliasInGraph() => ViewFunction.Apply(this, ShapeArray, Layout.Strides);
}
