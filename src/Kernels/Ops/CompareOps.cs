namespace DeepNet.Kernels.Ops;

/// <summary>Which comparison Tensor.Eq/Ne/Lt/Le/Gt/Ge makes (run by IBackend.ZipTyped as a TypedZipKind).</summary>
public enum Comparison
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}
