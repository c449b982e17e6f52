using DeepNet.Layers;

namespace DeepNet.Serialization;

/// <summary>
/// A resumable training checkpoint in one safetensors file, written atomically: the model's state
/// dict under "model.", whatever else the caller adds (the optimizer's state, e.g.
/// <c>optimizer.StateDict().ToCheckpoint()</c>, which uses "optimizer."), and the epoch in the metadata.
/// <code>
/// TrainingCheckpoint.Save(path, model, epoch, optimizer.StateDict().ToCheckpoint());
/// var file = TrainingCheckpoint.Load(path, model, rest => optimizer.LoadStateDict(OptimizerState.FromCheckpoint(rest)));
/// long nextEpoch = file.GetInt(TrainingCheckpoint.EpochKey) + 1;
/// </code>
/// </summary>
public static class TrainingCheckpoint
{
    public const string ModelPrefix = "model.";
    public const string EpochKey = "epoch";

    /// <summary>Saves model + <paramref name="extra"/> (arrays and metadata) + epoch to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, Module model, long epoch, Checkpoint? extra = null)
    {
        var arrays = model.ToNamedArrays(ModelPrefix).Concat(extra?.Arrays ?? []);
        var checkpoint = new Checkpoint(arrays, extra?.Metadata);
        checkpoint.SetInt(EpochKey, epoch);
        checkpoint.Save(path);
    }

    /// <summary>
    /// Reads and validates the whole file, checks the model entries against <paramref name="model"/>
    /// and that the epoch is present, runs <paramref name="loadRest"/> (which should validate before
    /// it changes anything, as Optimizer.LoadStateDict does), and only then copies the model's
    /// values: an error at any point leaves the model unchanged. Returns the checkpoint.
    /// </summary>
    public static Checkpoint Load(string path, Module model, Action<Checkpoint>? loadRest = null, bool strict = true)
    {
        var checkpoint = Checkpoint.Load(path);
        model.CheckNamedArrays(checkpoint.Arrays, strict, ModelPrefix);
        checkpoint.GetInt(EpochKey);
        loadRest?.Invoke(checkpoint);
        model.LoadNamedArrays(checkpoint.Arrays, strict, ModelPrefix);
        return checkpoint;
    }
}
