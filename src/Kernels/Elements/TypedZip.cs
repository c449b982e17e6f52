namespace DeepNet.Kernels.Elements;

/// <summary>
/// The scalar body of <see cref="IBackend.ZipTyped"/>, shared by the CPU loop and the ILGPU kernel:
/// integers (and bool) in long arithmetic (wrapping into the output type, as torch), floats in
/// double; comparisons give 1 or 0 (a NaN compares unequal to everything, as IEEE).
/// </summary>
public static class TypedZip
{
    public static TC Apply<T, A, TC, AC>(int kind, T a, T b)
        where T : unmanaged where A : struct, IElement<T> where TC : unmanaged where AC : struct, IElement<TC>
    {
        if (default(A).IsFloat)
        {
            double x = default(A).ToDouble(a), y = default(A).ToDouble(b);
            if (kind >= (int)TypedZipKind.Equal) return default(AC).FromInt64(Compare(kind, x < y, x == y, x > y) ? 1 : 0);
            double r = kind == (int)TypedZipKind.Add ? x + y
                : kind == (int)TypedZipKind.Sub ? x - y
                : kind == (int)TypedZipKind.Mul ? x * y
                : kind == (int)TypedZipKind.Max ? (double.IsNaN(x) || double.IsNaN(y) ? double.NaN : x > y ? x : y)
                : (double.IsNaN(x) || double.IsNaN(y) ? double.NaN : x < y ? x : y);
            return default(AC).FromDouble(r);
        }
        long i = default(A).ToInt64(a), j = default(A).ToInt64(b);
        if (kind >= (int)TypedZipKind.Equal) return default(AC).FromInt64(Compare(kind, i < j, i == j, i > j) ? 1 : 0);
        long s = kind == (int)TypedZipKind.Add ? unchecked(i + j)
            : kind == (int)TypedZipKind.Sub ? unchecked(i - j)
            : kind == (int)TypedZipKind.Mul ? unchecked(i * j)
            : kind == (int)TypedZipKind.Max ? (i > j ? i : j)
            : (i < j ? i : j);
        return default(AC).FromInt64(s);
    }

    private static bool Compare(int kind, bool less, bool equal, bool greater) =>
        kind == (int)TypedZipKind.Equal ? equal
        : kind == (int)TypedZipKind.NotEqual ? !equal
        : kind == (int)TypedZipKind.Less ? less
        : kind == (int)TypedZipKind.LessOrEqual ? less || equal
        : kind == (int)TypedZipKind.Greater ? greater
        : greater || equal;
}
