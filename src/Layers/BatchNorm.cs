using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Layers;

/// <summary>
/// Batch normalization over dim 1 (channels), as torch.nn.BatchNorm*: in training the batch mean
/// and biased variance normalize, and the running statistics move by <see cref="Momentum"/> toward
/// the batch mean and the unbiased variance; in eval the running statistics normalize.
/// y = (x − mean) / √(var + eps) · weight + bias. weight starts at 1, bias at 0.
/// (num_batches_tracked is not kept: it only matters for momentum = None.)
/// </summary>
public abstract class BatchNorm : Module
{
    private readonly Tensor? _weight, _bias;
    private readonly Tensor _runningMean, _runningVar;

    protected BatchNorm(int numFeatures, float eps, float momentum, bool affine)
    {
        if (numFeatures <= 0) throw new ArgumentException($"batch_norm: num_features must be positive, got {numFeatures}");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            _weight = RegisterParameter("weight", Tensor.Ones([numFeatures]));
            _bias = RegisterParameter("bias", Tensor.Zeros([numFeatures]));
        }
        _runningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures]));
        _runningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures]));
    }

    public int NumFeatures { get; }
    public float Eps { get; }
    public float Momentum { get; }

    public Tensor? Weight => _weight;
    public Tensor? Bias => _bias;
    public Tensor RunningMean => _runningMean;
    public Tensor RunningVar => _runningVar;

    /// <summary>Throws unless the input has a rank this variant accepts.</summary>
    protected abstract void CheckInput(Tensor input);

    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        if (input.Shape[1] != NumFeatures)
            throw new ArgumentException($"{Describe()}: input {input.Shape} must have {NumFeatures} channels in dim 1");
        var dims = Enumerable.Range(0, input.Rank).Where(d => d != 1).ToArray();
        var statShape = Enumerable.Range(0, input.Rank).Select(d => d == 1 ? NumFeatures : 1).ToArray();
        return DisposeScope.Run(() =>
        {
            Tensor mean, variance;
            if (IsTraining)
            {
                long count = dims.Aggregate(1L, (n, d) => n * input.Shape[d]);
                if (count < 2)
                    throw new ArgumentException($"{Describe()}: training needs more than 1 value per channel, got input {input.Shape}");
                mean = input.Mean(dims, keepDim: true);
                variance = input.Var(dims, unbiased: false, keepDim: true);
                UpdateRunningStats(mean, variance, count);
            }
            else
            {
                mean = RunningMean.Reshape(statShape);
                variance = RunningVar.Reshape(statShape);
            }
            var y = (input - mean) / (variance + Eps).Sqrt();
            if (Weight is not null) y *= Weight.Reshape(statShape);
            if (Bias is not null) y += Bias.Reshape(statShape);
            return y;
        });
    }

    // running = (1 − m)·running + m·batch, with the unbiased variance as PyTorch stores it; runs in Forward's scope.
    private void UpdateRunningStats(Tensor mean, Tensor biasedVariance, long count)
    {
        using var noGrad = GradMode.NoGrad();
        RunningMean.MulInPlace(1f - Momentum).AddInPlace(mean.Reshape(NumFeatures), Momentum);
        RunningVar.MulInPlace(1f - Momentum).AddInPlace((biasedVariance * ((float)count / (count - 1))).Reshape(NumFeatures), Momentum);
    }
}
