using DeepNet.Autograd;

namespace DeepNet.Tensors;

// torch.nn.functional's layer forms, composed from primitives (no gradient code): the layers
// call them, so a module and its functional form cannot drift apart.
public sealed partial class Tensor
{
    /// <summary>
    /// torch.nn.functional.linear: y = x·Wᵀ + b. x: [..., in], W: [out, in], b: [out] or null →
    /// [..., out]; the bias add is the fused bias op.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) =>
        LinearActivation(input, weight, bias, Activation.Identity);

    /// <summary>y = act(x·Wᵀ + b), the bias and activation fused; the shapes of <see cref="Linear"/>.</summary>
    internal static Tensor LinearActivation(Tensor input, Tensor weight, Tensor? bias, Activation activation)
    {
        if (weight.Rank != 2)
            throw new ArgumentException($"linear: weight must be [out, in], got {weight.Shape}");
        int outFeatures = weight.Shape[0], inFeatures = weight.Shape[1];
        if (input.Rank == 0 || input.Shape[^1] != inFeatures)
            throw new ArgumentException($"linear: input {input.Shape} must end in {inFeatures} features (weight {weight.Shape})");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != outFeatures))
            throw new ArgumentException($"linear: bias {bias.Shape} must be [{outFeatures}] for weight {weight.Shape}");
        // Autocast: the weight is cast before its transpose, so matmul sees Wᵀ as a stride swap as usual.
        if (Autocast.Lowers(input) || Autocast.Lowers(weight) || Autocast.Lowers(bias))
            return LoweredLinearActivation(input, weight, bias, activation);
        using var weightT = weight.Transpose(0, 1);   // a stride swap: matmul reads it transposed, no copy
        var product = input.MatMul(weightT);
        if (bias is null && activation == Activation.Identity) return product;
        using (product)
        {
            if (bias is null) return product.Activate(activation);
            if (product.Rank <= 2) return product.AddBiasActivation(bias, activation);
            // The fused op's channel dim is dim 1: fold the leading dims so the features are it.
            using var rows = product.Reshape(-1, outFeatures);
            using var activated = rows.AddBiasActivation(bias, activation);
            return activated.Reshape(product.ShapeArray);
        }
    }

    // In its own method: a lambda capturing the caller's parameters would allocate its closure on every call, taken or not.
    private static Tensor LoweredLinearActivation(Tensor input, Tensor weight, Tensor? bias, Activation activation) =>
        DisposeScope.Run(() => LinearActivation(Autocast.Lower(input), Autocast.Lower(weight), Autocast.LowerOrNull(bias), activation));

    /// <summary>
    /// torch.nn.functional.batch_norm over dim 1: x: [N, C, ...]; runningMean, runningVar, weight,
    /// bias: [C] (any may be null, the running stats only when training). Training normalizes with the
    /// batch mean and biased variance and, when given, moves the running stats in place by
    /// <paramref name="momentum"/> toward the batch mean and unbiased variance; eval normalizes with
    /// the running stats. y = (x − mean)/√(var + eps)·weight + bias.
    /// </summary>
    public Tensor BatchNorm(Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, float momentum = 0.1f, float eps = 1e-5f)
    {
        if (Rank < 2) throw new ArgumentException($"batch_norm: input {Shape} must be [N, C, ...]");
        int channels = Shape[1];
        foreach (var (name, t) in new[] { ("running_mean", runningMean), ("running_var", runningVar), ("weight", weight), ("bias", bias) })
            if (t is not null && (t.Rank != 1 || t.Shape[0] != channels))
                throw new ArgumentException($"batch_norm: {name} {t.Shape} must be [{channels}] for input {Shape}");
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException("batch_norm: eval mode needs running_mean and running_var (or pass training: true)");
        if (Autocast.Raises(this))   // autocast: batch norm runs in float32
            return DisposeScope.Run(() => Autocast.Raise(this).BatchNorm(runningMean, runningVar, weight, bias, training, momentum, eps));
        var dims = Enumerable.Range(0, Rank).Where(d => d != 1).ToArray();
        var statShape = Enumerable.Range(0, Rank).Select(d => d == 1 ? channels : 1).ToArray();
        return DisposeScope.Run(() =>
        {
            Tensor mean, variance;
            if (training)
            {
                long count = dims.Aggregate(1L, (n, d) => n * Shape[d]);
                if (count < 2)
                    throw new ArgumentException($"batch_norm: training needs more than 1 value per channel, got input {Shape}");
                mean = Mean(dims, keepDim: true);
                variance = Var(dims, unbiased: false, keepDim: true);
                using var noGrad = GradMode.NoGrad();
                // running = (1 − m)·running + m·batch, with the unbiased variance as PyTorch stores it.
                runningMean?.MulInPlace(1f - momentum).AddInPlace(mean.Reshape(channels), momentum);
                // n/(n − 1) as ·n then /(n − 1): exact scalars, so a Float64 running var is not rounded to float.
                runningVar?.MulInPlace(1f - momentum).AddInPlace(variance.Mul(count).Div(count - 1).Reshape(channels), momentum);
            }
            else
            {
                mean = runningMean!.Reshape(statShape);
                variance = runningVar!.Reshape(statShape);
            }
            var y = (this - mean) / (variance + eps).Sqrt();
            if (weight is not null) y *= weight.Reshape(statShape);
            if (bias is not null) y += bias.Reshape(statShape);
            return y;
        });
    }
}
