namespace DeepNet.Kernels;

/// <summary>The reductions every backend implements over any set of dims.</summary>
public enum ReduceKind
{
    Sum,
    Max,
}
