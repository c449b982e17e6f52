namespace DeepNet.Autograd;

/// <summary>Per-thread switch that decides whether ops record a graph.</summary>
internal static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    public static bool IsEnabled => !_disabled;

    public static IDisposable Set(bool enabled)
    {
        bool previous = !_disabled;
        _disabled = !enabled;
        return new Restore(previous);
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _disabled = !previous;
        }
    }
}
