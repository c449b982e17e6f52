namespace DeepNet.Serialization.Onnx;

/// <summary>
/// A graph input or output: its name, element type and dimensions, each either a fixed size or a
/// symbolic name (<c>"batch_size"</c>) for a dynamic one.
/// </summary>
/// <param name="Name">The value's name in the graph.</param>
/// <param name="ElementType">Element type (Undefined when the file gives none, as for non-tensor values).</param>
/// <param name="Dims">Dimensions: <c>Size</c> is null for a dynamic one, whose <c>Symbol</c> may name it; null when the rank is unknown.</param>
public sealed record OnnxValueInfo(string Name, OnnxElementType ElementType, IReadOnlyList<(long? Size, string? Symbol)>? Dims)
{
    /// <summary>Dims written as <c>[batch, 3, 224, 224]</c>, for messages.</summary>
    public string ShapeText => Dims is null ? "[?]" : "[" + string.Join(", ", Dims.Select(d => d.Size?.ToString() ?? d.Symbol ?? "?")) + "]";
}
