using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>What a traced value is: the graph input, a named parameter or buffer, a constant, or an op's output.</summary>
internal enum TraceNodeKind
{
    Input,
    State,
    Constant,
    Op,
    /// <summary>A whole layer marked during the trace (a recurrent layer), its input the one Inputs entry.</summary>
    Layer,
}

/// <summary>
/// One value of the traced forward, seen in both traces (batch sizes A and B): its shapes in each, and
/// for an op the two recorded nodes and its inputs; for a constant both values (they differ when the
/// constant depends on the batch, e.g. zeros of [N, H]).
/// </summary>
internal sealed class TraceNode
{
    public required TraceNodeKind Kind { get; init; }
    public required int[] Shape { get; init; }
    public required int[] ShapeB { get; init; }

    /// <summary>Trace A's node (ops only); <see cref="OpB"/> is trace B's.</summary>
    public Function? Op { get; init; }
    public Function? OpB { get; init; }

    /// <summary>The layer object (layers only).</summary>
    public object? Layer { get; init; }

    /// <summary>The parameter or buffer's dotted name (state only).</summary>
    public string? StateName { get; init; }

    /// <summary>The values in trace A and B (state and constants).</summary>
    public Tensor? Value { get; init; }
    public Tensor? ValueB { get; init; }

    /// <summary>The module path the op ran in, when known (for errors).</summary>
    public string? Scope { get; init; }

    /// <summary>For a constant: the op that reads it (for errors).</summary>
    public string? ReadBy { get; init; }

    public TraceNode[] Inputs { get; set; } = [];

    /// <summary>The ONNX value name once emitted.</summary>
    public string? OnnxName { get; set; }

    /// <summary>Number of ops that read this value (patterns only fuse values read once).</summary>
    public int Uses { get; set; }

    public bool ShapeChanges => !Shape.AsSpan().SequenceEqual(ShapeB);

    /// <summary>The op's name and where it ran, for error messages.</summary>
    public string Describe() =>
        (Op?.Name ?? (ReadBy is null ? Kind.ToString() : $"{ReadBy}'s constant input")) + (Scope is null ? "" : $" in module {Scope}");
}
