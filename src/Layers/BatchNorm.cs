using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Layers;

/// <summary>
/// Batch normalization over dim 1 (channels), as torch.nn.BatchNorm* (the forward is
/// <see cref="Tensor.BatchNorm"/>, F.batch_norm): in training the batch mean and biased variance
/// normalize, and the running statistics move toward the batch mean and the unbiased variance by
/// <see cref="Momentum"/>, or, with momentum null, by 1/num_batches_tracked (a cumulative average);
/// in eval the running statistics normalize. y = (x − mean) / √(var + eps) · weight + bias.
/// weight starts at 1, bias at 0. The buffers are running_mean, running_var and
/// num_batches_tracked (a scalar, float32 here, int64 in PyTorch), so a PyTorch state dict loads strictly.
/// </summary>
public abstract class BatchNorm : Module
{
    private readonly Tensor? _weight, _bias;
    private readonly Tensor _runningMean, _runningVar, _numBatchesTracked;

    protected BatchNorm(int numFeatures, float eps, float? momentum, bool affine)
    {
        if (numFeatures <= 0) throw new ArgumentException($"batch_norm: num_features must be positive, got {numFeatures}");
        if (momentum is float m && !(m >= 0f && m <= 1f))
            throw new ArgumentException($"batch_norm: momentum must be in [0, 1] or null, got {m}");
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
        _numBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([]));
    }

    public int NumFeatures { get; }
    public float Eps { get; }

    /// <summary>The running-stat update factor; null gives the cumulative average (factor 1/num_batches_tracked).</summary>
    public float? Momentum { get; }

    public Tensor? Weight => _weight;
    public Tensor? Bias => _bias;
    public Tensor RunningMean => _runningMean;
    public Tensor RunningVar => _runningVar;

    /// <summary>Training forward passes so far (PyTorch's num_batches_tracked), a scalar tensor.</summary>
    public Tensor NumBatchesTracked => _numBatchesTracked;

    /// <summary>Throws unless the input has a rank this variant accepts.</summary>
    protected abstract void CheckInput(Tensor input);

    public override Tensor Forward(Tensor input)
    {
        CheckInput(input);
        if (input.Shape[1] != NumFeatures)
            throw new ArgumentException($"{Describe()}: input {input.Shape} must have {NumFeatures} channels in dim 1");
        float factor = 0f;
        if (IsTraining)
        {
            // Counted before the update, as torch does (exact to 2^24 batches); read back to the host
            // only for the cumulative average, so a momentum run never waits for the device.
            using (GradMode.NoGrad()) _numBatchesTracked.AddInPlace(1f);
            factor = Momentum ?? 1f / _numBatchesTracked.Item();
        }
        var output = input.BatchNorm(RunningMean, RunningVar, Weight, Bias, IsTraining, factor, Eps);
        if (!IsTraining) GraphCapture.Current?.MarkWholeLayer(this, input, output);   // ONNX export: one BatchNormalization node
        return output;
    }
}
