using DeepNet.Tensors;

namespace DeepNet.Autograd;

/// <summary>
/// Mixed precision, as torch.autocast (docs/mixed-precision.md): within
/// <c>using (Autocast.Enable(DType.BFloat16))</c> matmul, linear, conv2d and scaled-dot-product
/// attention cast their floating-point inputs to the autocast dtype (float32 parameters stay the
/// parameters: each op casts them, and the cast is in the graph, so their gradients come back in
/// float32) and return that dtype, accumulating in float32; softmax, log-softmax, layer and batch
/// norm, the losses, sum and exp/log-like ops cast a 16-bit input up and return Float32; every other
/// op runs in the dtypes it is given (mixed operands promote). Per thread, like <see cref="GradMode"/>;
/// scopes nest, and <c>enabled: false</c> turns it off inside. Backward never runs under it.
/// </summary>
public static class Autocast
{
    [ThreadStatic] private static bool _enabled;
    [ThreadStatic] private static DType _dtype;

    /// <summary>True when ops on this thread currently autocast.</summary>
    public static bool IsEnabled => _enabled;

    /// <summary>The dtype matmul, conv and attention run in while enabled (BFloat16 or Float16).</summary>
    public static DType DType => _enabled ? _dtype : DType.Float32;

    /// <summary>
    /// Autocasts to <paramref name="dtype"/> (BFloat16 or Float16) until the returned value is disposed;
    /// <paramref name="enabled"/> = false switches autocast off inside an enclosing scope.
    /// </summary>
    public static IDisposable Enable(DType dtype = DType.BFloat16, bool enabled = true)
    {
        if (dtype is not (DType.BFloat16 or DType.Float16))
            throw new ArgumentException($"autocast: the dtype must be BFloat16 or Float16 (the 16-bit types ops cast down to), got {dtype}");
        var restore = new Restorer(_enabled, _dtype);
        _enabled = enabled;
        _dtype = dtype;
        return restore;
    }

    /// <summary>Switches autocast off until disposed (Backprop: backward ops run in the dtypes they were given, as torch's engine).</summary>
    internal static Restore Suspend()
    {
        var restore = new Restore(_enabled, _dtype);
        _enabled = false;
        return restore;
    }

    /// <summary>True when <paramref name="x"/> is a floating-point tensor a lower-precision op must cast to <see cref="DType"/>.</summary>
    internal static bool Lowers(Tensor? x) => _enabled && x is not null && x.DType != _dtype && x.DType.IsFloatingPoint();

    /// <summary><paramref name="x"/> in the autocast dtype (a recorded cast), or <paramref name="x"/> itself when it need not change.</summary>
    internal static Tensor Lower(Tensor x) => Lowers(x) ? x.To(_dtype) : x;

    /// <summary><paramref name="x"/> or null, lowered as <see cref="Lower(Tensor)"/>.</summary>
    internal static Tensor? LowerOrNull(Tensor? x) => x is null ? null : Lower(x);

    /// <summary>True when <paramref name="x"/> is a 16-bit float that a float32 op must cast up under autocast.</summary>
    internal static bool Raises(Tensor? x) => _enabled && x is not null && x.DType is DType.BFloat16 or DType.Float16;

    /// <summary><paramref name="x"/> as Float32 (a recorded cast) when a float32 op must raise it, else itself.</summary>
    internal static Tensor Raise(Tensor x) => Raises(x) ? x.To(DType.Float32) : x;

    /// <summary><paramref name="x"/> or null, raised as <see cref="Raise(Tensor)"/>.</summary>
    internal static Tensor? RaiseOrNull(Tensor? x) => x is null ? null : Raise(x);

    private sealed class Restorer(bool enabled, DType dtype) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _enabled = enabled;
            _dtype = dtype;
        }
    }

    internal readonly struct Restore(bool enabled, DType dtype) : IDisposable
    {
        public void Dispose()
        {
            _enabled = enabled;
            _dtype = dtype;
        }
    }
}
