using System.Globalization;

namespace DeepNet.Training;

/// <summary>One axis of a chart: its range and round tick values (1, 2 or 5 times a power of ten).</summary>
internal sealed record ChartAxis(double Min, double Max, double Step)
{
    /// <summary>The tick values from <see cref="Min"/> to <see cref="Max"/>.</summary>
    public IEnumerable<double> Ticks
    {
        get
        {
            int count = (int)Math.Round((Max - Min) / Step);
            for (int i = 0; i <= count; i++) yield return Min + i * Step;
        }
    }

    /// <summary>A tick value printed with as many decimals as the step needs.</summary>
    public string Label(double tick)
    {
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(Step) + 1e-9), 0, 8);
        return Math.Round(tick, decimals).ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>Whole-epoch ticks from 1 to <paramref name="lastEpoch"/> (0 to 2 for a single epoch, so the point sits mid-chart).</summary>
    public static ChartAxis ForEpochs(int lastEpoch)
    {
        if (lastEpoch <= 1) return new ChartAxis(0, 2, 1);
        double step = Math.Max(1, Math.Round(NiceStep(lastEpoch - 1)));
        return new ChartAxis(1, 1 + Math.Ceiling((lastEpoch - 1) / step) * step, step);
    }

    /// <summary>
    /// A round range covering <paramref name="values"/>, kept inside [<paramref name="floor"/>, <paramref name="ceiling"/>];
    /// [0, 1] when there are none, and a small band around a single value.
    /// </summary>
    public static ChartAxis Nice(IEnumerable<double> values, double floor = double.NegativeInfinity, double ceiling = double.PositiveInfinity)
    {
        var list = values.ToList();
        if (list.Count == 0) return new ChartAxis(0, 1, 0.2);
        double min = list.Min(), max = list.Max();
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = Math.Abs(max) > 0 ? Math.Abs(max) * 0.1 : 0.1;
            min -= pad;
            max += pad;
        }
        double step = NiceStep(max - min);
        double lo = Math.Max(Math.Floor(min / step) * step, floor), hi = Math.Min(Math.Ceiling(max / step) * step, ceiling);
        if (hi <= lo) hi = lo + step;
        return new ChartAxis(lo, hi, step);
    }

    // About five ticks over the range.
    private static double NiceStep(double range)
    {
        double raw = range / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw))), normalized = raw / magnitude;
        double nice = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10;
        return nice * magnitude;
    }
}
