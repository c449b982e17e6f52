using DeepNet.Autograd;
using DeepNet.Kernels;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

/// <summary>
/// An n-d array of one <see cref="Tensors.DType"/> (float32 by default) on a device, with reverse-mode autograd. A tensor is a view
/// (shape, strides, offset) of a reference-counted storage; views share storage without
/// copying. Tensors are <see cref="IDisposable"/>: dispose them, or open a <see cref="DisposeScope"/>.
/// Ops are split by topic across the partial files Tensor.*.cs.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private DeviceBuffer _storage;       // shared with views, reference-counted; replaced only by MoveDataTo/ConvertDataTo
    private readonly int[] _shape;
    private int[] _strides;
    private int _offset;
    private bool _disposed;
    private bool _disposedByScope;
    private bool _requiresGrad;
    private bool _hasGrad;               // has a slot in Grads (only leaves do): a field fewer on every tensor

    internal Tensor(DeviceBuffer storage, int[] shape, int[] strides, int offset, bool scoped = true)
    {
        _storage = storage;
        _shape = shape;
        _strides = strides;
        _offset = offset;
        if (!scoped) return;
        Scope = DisposeScope.Current;
        Scope?.Register(this);
    }

    /// <summary>Sizes of the dims.</summary>
    public Shape Shape => Shape.Wrap(_shape);

    /// <summary>Number of dims.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public long Size => ShapeMath.Size(_shape);

    public Device Device => Device.Of(_storage.Backend);

    /// <summary>The element type of the storage.</summary>
    public DType DType => DTypes.FromElementType(_storage.ElementType);

    public bool IsContiguous => Layout.IsContiguous;

    public bool IsDisposed => _disposed;

    /// <summary>Whether ops on this tensor record a graph for <see cref="Backward"/>.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!value && GradFn is not null)
                throw new InvalidOperationException("requires_grad: cannot turn off gradients of a non-leaf tensor; use Detach()");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"requires_grad: only floating-point tensors can require gradients, this one is {DType} (as torch; cast with To(DType.Float32) first)");
            _requiresGrad = value;
        }
    }

    /// <summary>Gradient accumulated by <see cref="Backward"/> (leaf tensors only).</summary>
    public Tensor? Grad
    {
        get => _hasGrad && Grads.TryGetValue(this, out var slot) ? slot.Value : null;
        set
        {
            // A leaf keeps its slot once it had a gradient: ZeroGrad and the next backward only change the slot's value.
            if (_hasGrad && Grads.TryGetValue(this, out var slot)) slot.Value = value;
            else if (value is not null)
            {
                Grads.AddOrUpdate(this, new GradSlot { Value = value });
                _hasGrad = true;
            }
        }
    }

    // Only leaves have gradients, so they sit in a side table instead of a field every tensor would carry.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, GradSlot> Grads = new();

    private sealed class GradSlot
    {
        public Tensor? Value;
    }

    /// <summary>The op that produced this tensor when it is part of a graph; null for leaves.</summary>
    public Function? GradFn { get; internal set; }

    /// <summary>True for tensors created by the user rather than by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    internal DisposeScope? Scope { get; private set; }

    internal int[] ShapeArray => _shape;

    internal StridedLayout Layout => new(_shape, _strides, _offset);

    internal DeviceBuffer Buffer
    {
        get
        {
            ThrowIfDisposed();
            return _storage;
        }
    }

    internal IBackend Backend => _storage.Backend;

    /// <summary>True when this tensor is the only user of its storage and covers it densely in row-major order.</summary>
    internal bool OwnsContiguousStorage =>
        !_disposed && !_storage.IsShared && _offset == 0 && HasRowMajorStrides(_shape, _strides)
        && _storage.Length == ShapeMath.Size(_shape);

    /// <summary>The buffer this tensor and its views share (its identity is the storage's).</summary>
    internal DeviceBuffer Storage => _storage;

    /// <summary>Sets whether this tensor requires gradients; returns it, for chaining.</summary>
    public Tensor RequiresGradient(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Keeps the tensor alive after the current scope ends by handing it to the enclosing scope.</summary>
    public Tensor MoveToOuterScope() => MoveToScope(Scope?.Outer);

    /// <summary>Takes the tensor out of every scope: the caller now owns it.</summary>
    public Tensor DetachFromScope() => MoveToScope(null);

    /// <summary>Hands ownership to <paramref name="scope"/> (null: to the caller).</summary>
    internal Tensor MoveToScope(DisposeScope? scope)
    {
        Scope?.Unregister(this);
        Scope = scope;
        Scope?.Register(this);
        return this;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Scope?.Unregister(this);
        Scope = null;
        if (_hasGrad)
        {
            Grad?.Dispose();
            Grad = null;
        }
        var gradFn = GradFn;
        GradFn = null;
        Tensors.Storage.Release(_storage);
        gradFn?.Drop();
    }

    internal void ThrowIfDisposed()
    {
        if (!_disposed) return;
        string how = _disposedByScope
            ? " by the DisposeScope it was made in, when that scope ended; to use it after the scope, call DetachFromScope() on it " +
              "inside the scope (then dispose it yourself) or return it from DisposeScope.Run"
            : " (Dispose was called on it, or on the module, batch or result that owned it)";
        throw new ObjectDisposedException(nameof(Tensor), $"tensor of shape {ShapeMath.Format(_shape)} on {Device} was disposed{how}");
    }

    /// <summary>Dispose called by an ending <see cref="DisposeScope"/>: remembered for the error message of a later use.</summary>
    internal void DisposeFromScope()
    {
        if (_disposed) return;
        _disposedByScope = true;
        Dispose();
    }

    /// <summary>A new tensor object over the same storage and layout (an alias): disposing one leaves the other alive.</summary>
    internal Tensor Alias() => View(_shape, _strides, _offset);

    /// <summary>An alias in no scope: the caller (a graph node saving it for backward) owns it.</summary>
    internal Tensor UnscopedAlias()
    {
        ThrowIfDisposed();
        _storage.AddReference();
        return new Tensor(_storage, _shape, _strides, _offset, scoped: false);
    }

    /// <summary>A view with a layout computed on the stack: the tensor takes the shared arrays of that layout (<see cref="SharedLayouts"/>).</summary>
    internal Tensor View(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int offset)
    {
        var (sharedShape, sharedStrides) = SharedLayouts.For(shape, strides);
        return View(sharedShape, sharedStrides, offset);
    }

    /// <summary>A view of this tensor's storage with another layout (no copy, no graph).</summary>
    internal Tensor View(int[] shape, int[] strides, int offset)
    {
        ThrowIfDisposed();
        _storage.AddReference();
        return new Tensor(_storage, shape, strides, offset);
    }

    /// <summary>
    /// An uninitialized (or zeroed) dense tensor. A span, so <c>Empty([rows, cols], ...)</c> builds its shape on
    /// the stack; the tensor takes the shared arrays of that shape (<see cref="SharedLayouts"/>).
    /// </summary>
    internal static Tensor Empty(ReadOnlySpan<int> shape, Device device, bool zeroed = false, DType dtype = DType.Float32)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"tensor: negative dimension in shape {ShapeMath.Format(shape)}");
        var (sharedShape, strides) = SharedLayouts.For(shape);
        var storage = Tensors.Storage.Allocate(device, ShapeMath.Size(sharedShape), zeroed, dtype);
        return new Tensor(storage, sharedShape, strides, 0);
    }

    /// <summary>An uninitialized dense tensor of a valid (non-negative) shape, on the shared arrays of that shape (no shape or stride array allocated).</summary>
    internal static Tensor EmptyContiguous(ReadOnlySpan<int> shape, Device device, DType dtype = DType.Float32)
    {
        var (sharedShape, strides) = SharedLayouts.For(shape);
        var storage = Tensors.Storage.Allocate(device, ShapeMath.Size(sharedShape), zeroed: false, dtype);
        return new Tensor(storage, sharedShape, strides, 0);
    }

    /// <summary>
    /// An uninitialized dense tensor shaped like <paramref name="like"/>. Shape arrays are never
    /// mutated, so the new tensor shares like's shape (and its strides when like is row-major):
    /// two fewer allocations per op. The dtype is like's unless <paramref name="dtype"/> says otherwise.
    /// </summary>
    internal static Tensor EmptyLike(Tensor like, Device device, DType? dtype = null)
    {
        var storage = Tensors.Storage.Allocate(device, ShapeMath.Size(like._shape), zeroed: false, dtype ?? like.DType);
        if (like._offset == 0 && HasRowMajorStrides(like._shape, like._strides)) return new Tensor(storage, like._shape, like._strides, 0);
        var (shape, strides) = SharedLayouts.For(like._shape);
        return new Tensor(storage, shape, strides, 0);
    }

    private static bool HasRowMajorStrides(int[] shape, int[] strides)
    {
        int expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (strides[d] != expected) return false;
            expected *= Math.Max(shape[d], 1);   // as ShapeMath.ContiguousStrides
        }
        return true;
    }

    /// <summary>Throws unless both tensors are alive and on one device (the allocation-free common case).</summary>
    internal static void CheckSameDevice(string op, Tensor first, Tensor second)
    {
        first.ThrowIfDisposed();
        second.ThrowIfDisposed();
        if (!ReferenceEquals(second._storage.Backend, first._storage.Backend)) CheckSameDevice(op, first, [second]);   // one backend per device
    }

    /// <summary>Throws unless every tensor is alive and on this tensor's device.</summary>
    internal static void CheckSameDevice(string op, Tensor first, params Tensor[] others)
    {
        first.ThrowIfDisposed();
        foreach (var t in others)
        {
            t.ThrowIfDisposed();
            if (t.Device != first.Device)
                throw new ArgumentException($"{op}: expected all tensors on one device, got {first.Device} {ShapeMath.Format(first._shape)} and {t.Device} {ShapeMath.Format(t._shape)}");
        }
    }
}
