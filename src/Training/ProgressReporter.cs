namespace DeepNet.Training;

/// <summary>
/// Shows training progress: a live Spectre.Console bar when writing to a terminal, plain
/// periodic lines when output is redirected (CI, logs), nothing when silent.
/// </summary>
internal abstract class ProgressReporter
{
    /// <summary>Picks the display for <paramref name="output"/>.</summary>
    public static ProgressReporter Create(TextWriter output, bool interactive) =>
        interactive ? new SpectreProgress() : new PlainProgress(output);

    /// <summary>Runs <paramref name="body"/> (one epoch), which reports after each batch through the action it is given.</summary>
    public abstract void RunEpoch(string label, int batches, Action<Action<StepStatus>> body);

    /// <summary>Writes a whole line (an epoch summary, a callback's message).</summary>
    public abstract void WriteLine(string line);
}
