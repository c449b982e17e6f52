namespace DeepNet.Tensors;

/// <summary>Element type of a tensor. Float32 today; the slot exists so half types can follow.</summary>
public enum DType
{
    Float32,
}
