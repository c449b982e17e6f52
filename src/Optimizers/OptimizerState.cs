using System.Globalization;
using DeepNet.Serialization;

namespace DeepNet.Optimizers;

/// <summary>
/// An optimizer's state as plain data, so a <see cref="Checkpoint"/> can store it and training
/// can resume: state arrays named "{parameter}.{slot}" (e.g. "fc1.weight.exp_avg"), each
/// parameter's update count, the number of <see cref="Optimizer.Step"/> calls and the learning rate.
/// </summary>
/// <param name="Step">Number of <see cref="Optimizer.Step"/> calls.</param>
/// <param name="LearningRate">The learning rate when the state was taken.</param>
/// <param name="Arrays">Per-parameter state arrays, named "{parameter}.{slot}", shaped like the parameter.</param>
/// <param name="ParameterSteps">Updates taken by each parameter that has state, by parameter name.</param>
public sealed record OptimizerState(
    long Step,
    double LearningRate,
    IReadOnlyList<NamedArray> Arrays,
    IReadOnlyDictionary<string, long> ParameterSteps)
{
    /// <summary>Default prefix of the optimizer's entries in a checkpoint.</summary>
    public const string DefaultPrefix = "optimizer.";

    /// <summary>
    /// A checkpoint holding this state (arrays and counters under <paramref name="prefix"/>) plus
    /// <paramref name="otherArrays"/> (typically the model's parameters); add an epoch with SetInt.
    /// </summary>
    public Checkpoint ToCheckpoint(IEnumerable<NamedArray>? otherArrays = null, string prefix = DefaultPrefix)
    {
        var arrays = (otherArrays ?? []).Concat(Arrays.Select(a => a with { Name = prefix + a.Name }));
        var checkpoint = new Checkpoint(arrays);
        checkpoint.SetInt(prefix + "step", Step);
        checkpoint.SetMetadata(prefix + "lr", LearningRate.ToString("R", CultureInfo.InvariantCulture));
        foreach (var (name, step) in ParameterSteps)
        {
            checkpoint.SetInt(prefix + "param_step." + name, step);
        }

        return checkpoint;
    }

    /// <summary>Reads back what <see cref="ToCheckpoint"/> wrote under <paramref name="prefix"/>.</summary>
    public static OptimizerState FromCheckpoint(Checkpoint checkpoint, string prefix = DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        string stepsPrefix = prefix + "param_step.";
        var steps = checkpoint.Metadata.Keys
            .Where(k => k.StartsWith(stepsPrefix, StringComparison.Ordinal))
            .ToDictionary(k => k[stepsPrefix.Length..], checkpoint.GetInt, StringComparer.Ordinal);
        var arrays = checkpoint.Arrays
            .Where(a => a.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(a => a with { Name = a.Name[prefix.Length..] })
            .ToList();
        if (!checkpoint.Metadata.TryGetValue(prefix + "lr", out string? lrText)
            || !double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out double lr))
        {
            throw new SafeTensorsFormatException($"checkpoint: metadata key '{prefix}lr' is missing or not a number");
        }

        return new OptimizerState(checkpoint.GetInt(prefix + "step"), lr, arrays, steps);
    }
}
