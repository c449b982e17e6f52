using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>Mean of |output − target| over every element (Keras' "mae").</summary>
internal sealed class MeanAbsoluteError() : Metric("mae")
{
    private double _sum;
    private long _count;

    public override bool HigherIsBetter => false;

    public override void Reset() => (_sum, _count) = (0, 0);

    public override void Update(Tensor output, Tensor target)
    {
        if (!output.Shape.ToArray().AsSpan().SequenceEqual(target.Shape.ToArray()))
            throw new ArgumentException($"mae: output {output.Shape} and target {target.Shape} must have the same shape");
        using var scope = new DisposeScope();
        _sum += HostValues.Scalar((output - target).Abs().Sum());
        _count += output.Size;
    }

    public override double Result() => _count == 0 ? double.NaN : _sum / _count;
}
