using System.Globalization;

namespace DeepNet.Training;

/// <summary>
/// Progress as plain lines, for logs and CI: about <see cref="LinesPerEpoch"/> lines an epoch
/// ("epoch 1/5 - batch 94/938 - loss: ... - 2510 samples/s - ETA 0:41"), no escape codes.
/// </summary>
internal sealed class PlainProgress(TextWriter output) : ProgressReporter
{
    public const int LinesPerEpoch = 10;

    public override void RunEpoch(string label, int batches, Action<Action<StepStatus>> body)
    {
        int every = Math.Max(1, (batches + LinesPerEpoch - 1) / LinesPerEpoch);
        body(status =>
        {
            if (status.Batch % every != 0 && status.Batch != status.Batches) return;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label} - batch {status.Batch}/{status.Batches} - {status.Stats()} - ETA {StepStatus.FormatTime(status.Eta)}"));
            output.Flush();
        });
    }

    public override void WriteLine(string line)
    {
        output.WriteLine(line);
        output.Flush();
    }
}
