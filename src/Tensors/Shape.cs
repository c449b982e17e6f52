using System.Collections;
using DeepNet.Kernels;

namespace DeepNet.Tensors;

/// <summary>The sizes of a tensor's dims; prints as "[2,3]" and compares by value.</summary>
public readonly struct Shape : IReadOnlyList<int>, IEquatable<Shape>
{
    private readonly int[] _dims;

    public Shape(params int[] dims) => _dims = (int[])dims.Clone();

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
    public override int GetHashCode() => _dims.Aggregate(17, (h, d) => h * 31 + d);
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public static implicit operator int[](Shape s) => s.ToArray();

    public override string ToString() => ShapeMath.Format(_dims);
}
