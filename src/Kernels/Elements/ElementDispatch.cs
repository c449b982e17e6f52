namespace DeepNet.Kernels.Elements;

/// <summary>A generic body run for one storage type and its accessor (see <see cref="ElementDispatch"/>).</summary>
public interface IElementVisitor
{
    void Visit<T, TElement>() where T : unmanaged where TElement : struct, IElement<T>;
}

/// <summary>
/// Turns a runtime <see cref="ElementType"/> into the generic arguments of a kernel: the storage
/// type (float16/bfloat16 as ushort, bool as byte) and its accessor. The one switch over element
/// types; typed kernels (cast, typed copy) are generic bodies called through it.
/// </summary>
public static class ElementDispatch
{
    public static void Visit(ElementType type, IElementVisitor visitor)
    {
        switch (type)
        {
            case ElementType.Float32: visitor.Visit<float, Float32Element>(); break;
            case ElementType.Float64: visitor.Visit<double, Float64Element>(); break;
            case ElementType.BFloat16: visitor.Visit<ushort, BFloat16Element>(); break;
            case ElementType.Float16: visitor.Visit<ushort, Float16Element>(); break;
            case ElementType.Int64: visitor.Visit<long, Int64Element>(); break;
            case ElementType.Int32: visitor.Visit<int, Int32Element>(); break;
            case ElementType.Int8: visitor.Visit<sbyte, Int8Element>(); break;
            case ElementType.UInt8: visitor.Visit<byte, UInt8Element>(); break;
            case ElementType.Bool: visitor.Visit<byte, BoolElement>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "unknown element type");
        }
    }

    /// <summary>Converts one value as a cast kernel does (the scalar reference both backends share).</summary>
    public static TD Convert<TS, AS, TD, AD>(TS value)
        where TS : unmanaged where AS : struct, IElement<TS> where TD : unmanaged where AD : struct, IElement<TD> =>
        default(AS).IsFloat ? default(AD).FromDouble(default(AS).ToDouble(value)) : default(AD).FromInt64(default(AS).ToInt64(value));
}
