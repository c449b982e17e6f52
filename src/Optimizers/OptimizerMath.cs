using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>Small out-of-place helpers shared by the optimizers (results belong to the step's dispose scope).</summary>
internal static class OptimizerMath
{
    /// <summary>a + alpha·b as a new tensor (torch's a.add(b, alpha=alpha)).</summary>
    public static Tensor AddScaled(Tensor a, Tensor b, double alpha)
    {
        Tensor result = Tensor.ZerosLike(a).CopyFrom(a);
        return result.AddInPlace(b, (float)alpha);
    }

    /// <summary>this = decay·this + (1 − decay)·x² (the running average of squares).</summary>
    public static void SquareAverage(Tensor average, Tensor x, double decay)
    {
        using Tensor square = x.Mul(x);
        average.MulInPlace((float)decay).AddInPlace(square, (float)(1 - decay));
    }

    /// <summary>this = this + weight·(end − this) (torch's lerp_, the running average of values).</summary>
    public static void Lerp(Tensor average, Tensor end, double weight) =>
        average.MulInPlace((float)(1 - weight)).AddInPlace(end, (float)weight);
}
