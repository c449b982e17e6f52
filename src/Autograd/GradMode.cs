namespace DeepNet.Autograd;

/// <summary>The per-thread switch that decides whether ops record a graph, as torch.no_grad / torch.enable_grad.</summary>
public static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    /// <summary>True when ops currently record a graph on this thread.</summary>
    public static bool IsEnabled => !_disabled;

    /// <summary>Within <c>using (GradMode.NoGrad())</c> no op records a graph (inference, optimizer steps).</summary>
    public static IDisposable NoGrad() => Set(false).Boxed();

    /// <summary>Re-enables graph recording inside a NoGrad region.</summary>
    public static IDisposable EnableGrad() => Set(true).Boxed();

    /// <summary>Sets the mode until the returned value is disposed (a struct: internal callers allocate nothing).</summary>
    internal static Restore Set(bool enabled)
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
