using System.Collections;
using DeepNet.Kernels;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Tensors;

/// <summary>The sizes of a tensor's dims; prints as "[2,3]" and compares by value.</summary>
public readonly struct Shape : IReadOnlyList<int>, IEquatable<Shape>
{
    private readonly int[] _dims;

    public Shape(params int[] dims) => _dims = (int[])dims.Clone();

    // Wraps an array nobody mutates (a tensor's own shape) without copying it.
    private Shape(int[] dims, bool shared) => _dims = shared ? dims : (int[])dims.Clone();

    /// <summary>A Shape over <paramref name="dims"/> without a copy; the caller promises never to change the array.</summary>
    internal static Shape Wrap(int[] dims) => new(dims, shared: true);

    /// <summary>Size of dim <paramref name="dim"/>; negative values count from the end.</summary>
    public int this[int dim] => _dims[dim < 0 ? dim + _dims.Length : dim];

    public int Count => _dims.Length;
    public int Rank => _dims.Length;
    public long Size => ShapeMath.Size(_dims);

    public int[] ToArray() => (int[])_dims.Clone();

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(Shape other) => _dims.AsSpan().SequenceEqual(other._dims);
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        int h = 17;
        foreach (int d in _dims) h = h * 31 + d;
        return h;
    }
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public static implicit operator int[](Shape s) => s.ToArray();

    public override string ToString() => ShapeMath.Format(_dims);
}
