using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// One batch from a <see cref="DataLoader"/>: inputs [B, ..SampleShape] and targets
/// [B, ..TargetShape] on the loader's device (no targets for unlabeled data). The caller owns
/// both tensors: dispose the batch.
/// </summary>
public sealed class Batch : IDisposable
{
    private readonly Tensor? _target;

    internal Batch(Tensor input, Tensor? target, int index)
    {
        Input = input;
        _target = target;
        Index = index;
    }

    /// <summary>Inputs, [B, ..SampleShape].</summary>
    public Tensor Input { get; }

    /// <summary>Targets, [B, ..TargetShape]; throws for unlabeled data (see <see cref="HasTarget"/>).</summary>
    public Tensor Target => _target ?? throw new InvalidOperationException(
        "batch: the dataset has no targets (unlabeled data); use Trainer.Predict, or give the Dataset targets to train or evaluate");

    /// <summary>False when the dataset is unlabeled.</summary>
    public bool HasTarget => _target is not null;

    /// <summary>Position of this batch in its epoch (0-based).</summary>
    public int Index { get; }

    /// <summary>Number of samples (B).</summary>
    public int Count => Input.Shape[0];

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Input.Dispose();
        _target?.Dispose();
    }

    /// <summary>Deconstructs into (input, target): <c>foreach (var (x, y) in loader)</c> still needs the batch disposed.</summary>
    public void Deconstruct(out Tensor input, out Tensor target)
    {
        input = Input;
        target = Target;
    }
}
