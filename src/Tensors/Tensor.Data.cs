using DeepNet.Autograd.Functions;
using DeepNet.Autograd;

namespace DeepNet.Tensors;

// Moving data in and out: host arrays, devices, copies, detaching from the graph.
public sealed partial class Tensor
{
    /// <summary>The elements of a float32 tensor in row-major order, copied to a host array (another dtype: use <see cref="ToArray{T}"/>).</summary>
    public float[] ToArray() => ToArray<float>();

    /// <summary>
    /// The elements in row-major order as <typeparamref name="T"/>, which must be the dtype's host
    /// type (<see cref="DTypes.HostType"/>: long for Int64, bool for Bool, Half for Float16, ...);
    /// any other type throws naming both: nothing is converted silently (use <see cref="To(DType)"/>).
    /// </summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckHostType<T>("to_array");
        using var dense = IsContiguous ? Alias() : Materialize();
        var result = new T[Size];
        Backend.CopyToHost<T>(dense.Buffer, dense.Layout.Offset, result);
        return result;
    }

    /// <summary>The value of a one-element float32 tensor (another dtype: use <see cref="Item{T}"/>).</summary>
    public float Item() => Item<float>();

    /// <summary>The value of a one-element tensor as the dtype's host type <typeparamref name="T"/> (see <see cref="ToArray{T}"/>).</summary>
    public T Item<T>() where T : unmanaged
    {
        if (Size != 1) throw new InvalidOperationException($"item: only one-element tensors convert to a number, got shape {Shape}");
        CheckHostType<T>("item");
        return ToArray<T>()[0];
    }

    /// <summary>This tensor on <paramref name="device"/> (itself, aliased, when already there).</summary>
    public Tensor To(Device device)
    {
        ThrowIfDisposed();
        if (device == Device) return AliasInGraph();   // a no-op move keeps gradients flowing, as torch's .to
        var moved = CopyToDevice(device);
        moved.RequiresGrad = RequiresGrad && IsLeaf;
        return moved;
    }

    /// <summary>
    /// This tensor converted to <paramref name="dtype"/> (itself, aliased, when already of it), as
    /// torch's <c>.to(dtype)</c>: float → integer truncates toward zero, → float16/bfloat16 rounds to
    /// nearest even, → Bool is "≠ 0". Between floating-point dtypes the graph is kept (the gradient
    /// is cast back); any other conversion cuts it.
    /// </summary>
    public Tensor To(DType dtype)
    {
        ThrowIfDisposed();
        if (dtype == DType) return AliasInGraph();
        return CastFunction.Apply(this, dtype);
    }

    /// <summary>The elements' host array in the dtype's host type (float[], long[], bool[], ...): a row-major copy for code that handles any dtype.</summary>
    public Array ToHostArray() => DType switch
    {
        DType.Float32 => ToArray<float>(),
        DType.Float64 => ToArray<double>(),
        DType.BFloat16 => ToArray<DeepNet.Kernels.BFloat16>(),
        DType.Float16 => ToArray<Half>(),
        DType.Int64 => ToArray<long>(),
        DType.Int32 => ToArray<int>(),
        DType.Int8 => ToArray<sbyte>(),
        DType.UInt8 => ToArray<byte>(),
        _ => ToArray<bool>(),
    };

    /// <summary>True when both tensors have one dtype and shape and bit-identical elements (a host read).</summary>
    internal bool BitsEqual(Tensor other)
    {
        if (DType != other.DType || !Shape.Equals(other.Shape)) return false;
        Array a = ToHostArray(), b = other.ToHostArray();
        int bytes = a.Length * DType.Size();
        return System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(a), bytes)
            .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(b), bytes));
    }

    private void CheckHostType<T>(string op) where T : unmanaged
    {
        if (typeof(T) != DType.HostType())
            throw new InvalidOperationException(
                $"{op}: the tensor is {DType} (read it as {DType.HostType().Name}); {typeof(T).Name} would be {DTypeName<T>()}: convert with To(DType) first, nothing converts silently");
    }

    private static string DTypeName<T>() where T : unmanaged
    {
        try { return DTypes.Of<T>().ToString(); }
        catch (ArgumentException) { return "no dtype"; }
    }

    /// <summary>A dense copy on another device with the same dtype (through the host).</summary>
    private Tensor CopyToDevice(Device device) => FromHostArray(ToHostArray(), ShapeArray, device);

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
        var moved = CopyToDevice(device).DetachFromScope();
        moved._storage.AddReference();
        var old = _storage;
        _storage = moved._storage;
        _strides = moved._strides;
        _offset = 0;
        moved.Dispose();
        Tensors.Storage.Release(old);
        ZeroGrad();
    }

    /// <summary>
    /// Converts a leaf's data to <paramref name="dtype"/> in place (the tensor object stays, as
    /// <see cref="MoveDataTo"/>): what <c>Module.To(DType)</c> does to parameters, torch's
    /// <c>param.data = param.data.to(dtype)</c>. The gradient is cleared.
    /// </summary>
    public void ConvertDataTo(DType dtype)
    {
        ThrowIfDisposed();
        if (!IsLeaf) throw new InvalidOperationException($"convert_data_to: only leaf tensors convert in place; this one has grad_fn {GradFn!.Name}");
        if (dtype == DType) return;
        if (RequiresGrad && !dtype.IsFloatingPoint())
            throw new InvalidOperationException($"convert_data_to: this tensor requires grad, so it cannot become {dtype} (only floating-point tensors hold gradients)");
        Tensor converted;
        using (GradMode.NoGrad()) converted = Detach().To(dtype).Contiguous();
        converted = converted.DetachFromScope();
        converted._storage.AddReference();
        var old = _storage;
        _storage = converted._storage;
        _strides = converted._strides;
        _offset = 0;
        converted.Dispose();
        Tensors.Storage.Release(old);
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
        var t = Empty(ShapeArray, Device, dtype: DType);
        Backend.Copy(Buffer, Layout, t.Buffer, t.Layout);
        return t;
    }

    /// <summary>An alias that keeps this tensor's place in the graph (a no-op view).</summary>
    internal Tensor AliasInGraph() => ViewFunction.Apply(this, ShapeArray, Layout.Strides);
}
