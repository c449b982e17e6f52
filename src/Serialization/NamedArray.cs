namespace DeepNet.Serialization;

/// <summary>
/// A named float32 array in row-major order, the unit a safetensors file stores:
/// <c>Data.Length</c> equals the product of <c>Shape</c> (1 for a scalar, <c>Shape = []</c>).
/// </summary>
/// <param name="Name">The tensor's key in the file, e.g. <c>"fc1.weight"</c>.</param>
/// <param name="Shape">Dimensions, outermost first; every entry is non-negative.</param>
/// <param name="Data">The values, row-major.</param>
public sealed record NamedArray(string Name, int[] Shape, float[] Data)
{
    /// <summary>Number of elements the shape describes (product of dims, 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (int dim in Shape)
            {
                count = checked(count * dim);
            }

            return count;
        }
    }

    /// <summary>
    /// True when both arrays have the same name, shape and bit-identical values
    /// (record equality compares the array references only).
    /// </summary>
    public bool ContentEquals(NamedArray other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Name == other.Name
            && Shape.AsSpan().SequenceEqual(other.Shape)
            && BitsEqual(Data, other.Data);
    }

    private static bool BitsEqual(float[] a, float[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            // Bitwise, so NaN payloads and -0 round-trip checks stay exact.
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Shape written as <c>[2, 3]</c>, for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
