using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Optimizers;

/// <summary>Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_.</summary>
public static class GradClip
{
    /// <summary>
    /// Scales every gradient in place so that their global norm (the norm of all gradients
    /// concatenated) is at most <paramref name="maxNorm"/>: with total norm N, each gradient is
    /// multiplied by maxNorm / (N + 1e-6) when that is below 1. Parameters without a gradient
    /// are skipped. Returns N, the norm before clipping. <paramref name="normType"/> is p of the
    /// p-norm; <see cref="double.PositiveInfinity"/> gives the largest absolute value.
    /// A NaN or infinite total norm (a NaN/Inf gradient) throws by default
    /// (<paramref name="errorIfNonfinite"/> = true, the safer choice; PyTorch defaults to false and
    /// then multiplies every gradient by NaN). With false the non-finite norm is returned and the
    /// gradients are left unscaled, so the caller can skip the step.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2,
        bool errorIfNonfinite = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0))
            throw new ArgumentException($"clip_grad_norm: norm type must be > 0, got {normType}");
        if (double.IsNaN(maxNorm) || maxNorm < 0)
            throw new ArgumentException($"clip_grad_norm: max norm must be >= 0, got {maxNorm}");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        if (grads.Count == 0)
            return 0;

        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        double total = 0;
        foreach (Tensor grad in grads)
        {
            // Each tensor's norm is reduced on its device; the sum across tensors runs in double.
            if (double.IsPositiveInfinity(normType))
                total = Math.Max(total, grad.Size == 0 ? 0 : grad.Abs().Max().Item());
            else if (normType == 2)
                total += grad.Mul(grad).Sum().Item();
            else
                total += grad.Abs().Pow((float)normType).Sum().Item();
        }

        if (!double.IsPositiveInfinity(normType))
            total = normType == 2 ? Math.Sqrt(total) : Math.Pow(total, 1 / normType);

        if (!double.IsFinite(total))
        {
            if (!errorIfNonfinite) return total;
            throw new ArgumentException($"clip_grad_norm: the total norm of order {normType} of the gradients is {total} (non-finite): " +
                "a gradient holds NaN or Inf, so clipping cannot make it finite; check the inputs and the loss, " +
                "or pass errorIfNonfinite: false to get the norm back and skip the step");
        }

        double scale = maxNorm / (total + 1e-6);
        if (scale < 1)
        {
            foreach (Tensor grad in grads)
                grad.MulInPlace((float)scale);
        }

        return total;
    }

    /// <summary>
    /// Clamps every gradient element into [-<paramref name="clipValue"/>, <paramref name="clipValue"/>]
    /// in place (torch.nn.utils.clip_grad_value_). Parameters without a
    /// gradient are skipped.
    /// </summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0) || double.IsInfinity(clipValue))
            throw new ArgumentException($"clip_grad_value: clip value must be a finite number >= 0, got {clipValue}");
        using var noGrad = GradMode.NoGrad();
        foreach (Tensor grad in parameters.Select(p => p.Grad).OfType<Tensor>())
            using (var clamped = grad.Clamp(-(float)clipValue, (float)clipValue))
                grad.CopyFrom(clamped);
    }
}
