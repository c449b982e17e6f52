namespace DeepNet.Autograd;

/// <summary>Per-thread switch that decides whether ops record a graph.</summary>
internal static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    public static bool IsEnabled => !_disabled;

    /// <summary>Sets the mode until the returned value is disposed (a struct: internal callers allocate nothing).</summary>
    public static Restore Set(bool enabled)
    {
        bool previous = !_disabled;
        _disabled = !enabled;
        return new Restore(previous);
    }

    /// <summary>Puts the previous mode back; the public API hands it out boxed, so Dispose is idempotent there.</summary>
    internal sealed class Restorer(bool previous) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _disabled = !previous;
        }
    }

    internal readonly struct Restore(bool previous) : IDisposable
    {
        public void Dispose() => _disabled = !previous;

        public IDisposable Boxed() => new Restorer(previous);
    }
}
