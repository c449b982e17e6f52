namespace DeepNet.Compare;

/// <summary>
/// Warns when other work competes for the cores: libtorch's OpenMP threads spin while idle, so
/// contended figures say little. Reads the 1-minute load average from /proc/loadavg.
/// </summary>
public static class MachineLoad
{
    public static double OneMinute()
    {
        try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture); }
        catch (IOException) { return double.NaN; }
    }

    /// <summary>Prints a warning to stderr when the load is above half the cores; returns whether it did.</summary>
    public static bool WarnIfBusy(string when)
    {
        double load = OneMinute();
        int cores = Environment.ProcessorCount;
        if (double.IsNaN(load) || load <= cores * 0.5) return false;
        Console.Error.WriteLine($"warning: machine busy {when} (load average {load:F1} on {cores} cores); ratios from this run are contended");
        return true;
    }
}
