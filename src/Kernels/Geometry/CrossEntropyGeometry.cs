namespace DeepNet.Kernels.Geometry;

/// <summary>
/// Shape math and hyper-parameters of the fused softmax + cross entropy, as
/// torch.nn.functional.cross_entropy. Logits [N, C, d1, ...] (or [N, C], or [C]) are seen as
/// [Rows, Classes] with the class dim moved last (Rows = N·d1·…); targets are class indices of the
/// logits' shape without the class dim (<see cref="Probabilities"/> = 0) or class probabilities of
/// the logits' shape (= 1); weight is null or [C]. Validated once by autograd; the kernels trust it.
/// A plain struct: it is a GPU kernel argument.
/// </summary>
public struct CrossEntropyGeometry
{
    /// <summary>M = N·d1·… rows of logits [M, C], and C.</summary>
    public int Rows, Classes;

    /// <summary>1 when targets are class probabilities [Rows, C], 0 for class indices [Rows].</summary>
    public int Probabilities;

    /// <summary>1 when a class-weight vector [C] is given.</summary>
    public int HasWeight;

    /// <summary>An index target equal to this contributes nothing (index targets only).</summary>
    public int IgnoreIndex;

    /// <summary>ε: the target becomes (1 − ε)·target + ε/C.</summary>
    public float LabelSmoothing;

    /// <summary>The class dim of logits of rank <paramref name="rank"/>: 1, or 0 for a single [C] row.</summary>
    public static int ClassDim(int rank) => rank >= 2 ? 1 : 0;

    /// <summary>
    /// The geometry of these shapes; throws naming the op and the shapes when the target is neither
    /// indices nor probabilities, the weight is not [C], or ε is outside [0, 1].
    /// </summary>
    public static CrossEntropyGeometry From(string op, int[] logits, int[] target, int[]? weight, int ignoreIndex, float labelSmoothing)
    {
        if (logits.Length == 0)
            throw new ArgumentException($"{op}: logits must have a class dim, got a scalar");
        int classDim = ClassDim(logits.Length), classes = logits[classDim];
        int[] indexShape = IndexShape(logits);
        bool probabilities = target.AsSpan().SequenceEqual(logits);
        if (!probabilities && !target.AsSpan().SequenceEqual(indexShape))
            throw new ArgumentException($"{op}: logits {ShapeMath.Format(logits)} need class indices {ShapeMath.Format(indexShape)} " +
                $"or class probabilities {ShapeMath.Format(logits)} as target, got {ShapeMath.Format(target)}");
        if (weight is not null && (weight.Length != 1 || weight[0] != classes))
            throw new ArgumentException($"{op}: weight {ShapeMath.Format(weight)} must be [C] = [{classes}] for logits {ShapeMath.Format(logits)}");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw new ArgumentException($"{op}: label smoothing must be in [0, 1], got {labelSmoothing}");
        long rows = 1;
        foreach (int d in indexShape) rows *= d;
        return new CrossEntropyGeometry
        {
            Rows = (int)rows, Classes = classes, Probabilities = probabilities ? 1 : 0, HasWeight = weight is null ? 0 : 1,
            IgnoreIndex = ignoreIndex, LabelSmoothing = labelSmoothing,
        };
    }

    /// <summary>The shape of class-index targets for these logits: the logits' shape without the class dim.</summary>
    public static int[] IndexShape(int[] logits)
    {
        int classDim = ClassDim(logits.Length);
        return [.. logits[..classDim], .. logits[(classDim + 1)..]];
    }

    /// <summary>
    /// Throws naming the op and both shapes unless <paramref name="target"/> holds class indices for
    /// class scores <paramref name="scores"/> [N, C, d...] (the rule cross_entropy and nll_loss share).
    /// </summary>
    public static void CheckIndexTarget(string op, int[] scores, int[] target)
    {
        if (scores.Length < 1 || !target.AsSpan().SequenceEqual(IndexShape(scores)))
            throw new ArgumentException($"{op}: scores {ShapeMath.Format(scores)} need class indices shaped like them without the class dim, " +
                $"got {ShapeMath.Format(target)}");
    }

    /// <summary>The smoothed-target mass of one class (ε/C), 0 without smoothing.</summary>
    public readonly float SmoothingPerClass => Classes == 0 ? 0f : LabelSmoothing / Classes;
}
