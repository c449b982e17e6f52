using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// The int8 weights a module holds outside its tensor slots, for files (Serialization's
/// QuantizedModelFiles): each part is stored as Name (I8), Name_scale (F32) and, when static,
/// InputKey_scale (F32) / InputKey_zero_point (I32).
/// </summary>
internal interface IQuantizedState
{
    IEnumerable<QuantizedPart> QuantizedParts();
}

/// <summary>One int8 weight of a module, with its input quantization and how to put a loaded one in its place.</summary>
internal sealed record QuantizedPart(string Name, string InputKey, QuantizedWeight Weight, QuantizationParams? Input,
    Action<QuantizedWeight, QuantizationParams?> Load);
