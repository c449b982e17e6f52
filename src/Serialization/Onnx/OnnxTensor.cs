using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx;

/// <summary>
/// A constant tensor of an ONNX file (an initializer or a Constant's value), decoded once and
/// kept exactly: float32, float16 and bfloat16 as float32 (widening is exact), float64 as double,
/// every integer and bool type as int64. Accessors for another kind throw instead of converting.
/// </summary>
public sealed class OnnxTensor
{
    private readonly float[]? _floats;
    private readonly double[]? _doubles;
    private readonly long[]? _integers;

    internal OnnxTensor(string name, OnnxElementType elementType, long[] dims, float[]? floats, double[]? doubles, long[]? integers)
    {
        Name = name;
        ElementType = elementType;
        Dims = dims;
        _floats = floats;
        _doubles = doubles;
        _integers = integers;
    }

    public string Name { get; }

    /// <summary>The element type the file declares.</summary>
    public OnnxElementType ElementType { get; }

    /// <summary>Dimensions, outermost first ([] for a scalar).</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>Number of elements (product of the dims).</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, d) => checked(a * d));

    /// <summary>Dims as <c>[384, 1536]</c>, for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Dims) + "]";

    /// <summary>True for float32, float16 and bfloat16 data (<see cref="Floats"/> holds it).</summary>
    public bool IsFloat => _floats is not null;

    /// <summary>True for integer and bool data (<see cref="Integers"/> holds it).</summary>
    public bool IsInteger => _integers is not null;

    /// <summary>The values of a float32/float16/bfloat16 tensor, row-major (not a copy: do not modify).</summary>
    public float[] Floats => _floats
        ?? throw new OnnxFormatException($"onnx: tensor '{Name}' is {ElementType}, not a float32/float16/bfloat16 tensor");

    /// <summary>The values of a float64 tensor.</summary>
    public double[] Doubles => _doubles ?? throw new OnnxFormatException($"onnx: tensor '{Name}' is {ElementType}, not float64");

    /// <summary>The values of an integer or bool tensor, widened to int64 (exact).</summary>
    public long[] Integers => _integers
        ?? throw new OnnxFormatException($"onnx: tensor '{Name}' is {ElementType}, not an integer or bool tensor");

    /// <summary>The dims as ints (each must fit), for building tensors.</summary>
    public int[] Shape => Dims.Select(d => d <= int.MaxValue ? (int)d
        : throw new OnnxFormatException($"onnx: tensor '{Name}' dim {d} exceeds {int.MaxValue}")).ToArray();

    /// <summary>A new float32 DeepNet tensor with these values (float types only).</summary>
    public Tensor ToTensor(Device? device = null) => Tensor.FromArray((float[])Floats.Clone(), Shape, device);

    public override string ToString() => $"'{Name}' {ElementType} {ShapeText}";
}
