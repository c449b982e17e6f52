using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

/// <summary>
/// Shared shape and stride arrays for new tensors: a training step makes the same few layouts every
/// time (dense outputs, the transposes and reshapes of its views), so a tensor whose layout was seen
/// recently reuses the arrays of the last one instead of allocating two (tensors never mutate their
/// shape or stride arrays, the invariant <see cref="Tensor.EmptyLike"/> already relies on). Small
/// direct-mapped tables per thread: no lock, and a collision only costs the two allocations it would
/// have cost anyway.
/// </summary>
internal static class SharedLayouts
{
    private const int Slots = 128;   // a power of two; a Transformer step has a few dozen distinct layouts

    [ThreadStatic] private static Entry[]? _dense;
    [ThreadStatic] private static Entry[]? _strided;

    private readonly record struct Entry(int[] Shape, int[] Strides);

    /// <summary>Arrays equal to <paramref name="shape"/> and its row-major strides; never <paramref name="shape"/> itself.</summary>
    public static (int[] Shape, int[] Strides) For(ReadOnlySpan<int> shape)
    {
        var table = _dense ??= new Entry[Slots];
        ref var entry = ref table[Slot(Hash(shape, 0x9E3779B1u))];
        if (entry.Shape is { } cached && cached.AsSpan().SequenceEqual(shape)) return (cached, entry.Strides);
        int[] copy = shape.ToArray();
        entry = new Entry(copy, ShapeMath.ContiguousStrides(copy));
        return (entry.Shape, entry.Strides);
    }

    /// <summary>Arrays equal to <paramref name="shape"/> and <paramref name="strides"/> (a view's layout); never the spans' own arrays.</summary>
    public static (int[] Shape, int[] Strides) For(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        var table = _strided ??= new Entry[Slots];
        ref var entry = ref table[Slot(Hash(strides, Hash(shape, 0x9E3779B1u)))];
        if (entry.Shape is { } cached && cached.AsSpan().SequenceEqual(shape) && entry.Strides.AsSpan().SequenceEqual(strides))
            return (cached, entry.Strides);
        entry = new Entry(shape.ToArray(), strides.ToArray());
        return (entry.Shape, entry.Strides);
    }

    private static uint Hash(ReadOnlySpan<int> dims, uint h)
    {
        h ^= (uint)dims.Length * 0x9E3779B1u;
        foreach (int d in dims) h = (h ^ (uint)d) * 0x85EBCA6Bu;
        return h;
    }

    private static int Slot(uint h) => (int)((h ^ (h >> 15)) & (Slots - 1));
}
