namespace DeepNet.Kernels;

/// <summary>What <see cref="IBackend.ZipTyped"/> computes: exact arithmetic and comparisons on any element type.</summary>
public enum TypedZipKind
{
    Add,
    Sub,
    Mul,
    Max,
    Min,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}
