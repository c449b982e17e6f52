using Spectre.Console;
using Spectre.Console.Rendering;

namespace DeepNet.Training;

/// <summary>
/// A live progress bar per epoch on the terminal (Spectre.Console): label, bar, batch n/N,
/// running loss/accuracy and samples/s, elapsed time and ETA. The bar stays on screen when the
/// epoch ends and the summary line is printed under it.
/// </summary>
internal sealed class SpectreProgress : ProgressReporter
{
    public override void RunEpoch(string label, int batches, Action<Action<StepStatus>> body)
    {
        var stats = new StatsColumn();
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new CountColumn(),
                stats, new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(batches, 1));
                body(status =>
                {
                    stats.Text = status.Stats();
                    task.Value = status.Batch;
                });
                // No jump to N/N: an interrupted or NaN-stopped epoch shows the batches it ran.
                task.StopTask();
            });
    }

    public override void WriteLine(string line) => AnsiConsole.WriteLine(line);

    /// <summary>"n/N" batches.</summary>
    private sealed class CountColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Value:0}/{task.MaxValue:0}");
    }

    /// <summary>A text the epoch loop updates (the running metrics).</summary>
    private sealed class StatsColumn : ProgressColumn
    {
        public volatile string Text = "";

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(Text, new Style(Color.Grey));
    }
}
