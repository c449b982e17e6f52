using System.Globalization;

namespace DeepNet.Kernels.Elements;

/// <summary>
/// The element types an index buffer may hold (gather, scatter-add, argmax output, class targets):
/// Int64 (torch's), Int32, and Float32 holding exact integers (the float "ids" of older code).
/// </summary>
public static class IndexElements
{
    public static bool IsIndex(ElementType type) => type is ElementType.Int64 or ElementType.Int32 or ElementType.Float32;

    /// <summary>Throws naming the op and the type unless it can hold indices.</summary>
    public static void Check(string op, ElementType type)
    {
        if (!IsIndex(type))
            throw new ArgumentException($"{op}: index tensors must be Int64, Int32 or Float32 holding integers, got {type}");
    }

    /// <summary>An index value as the user wrote it: an integer for integer types, the float's shortest form otherwise.</summary>
    public static string Format(double value, ElementType type) =>
        type == ElementType.Float32 ? ((float)value).ToString(CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
}
