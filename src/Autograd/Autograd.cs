namespace DeepNet.Autograd;

/// <summary>Global autograd switches, as torch.no_grad / torch.enable_grad.</summary>
public static class Autograd
{
    /// <summary>Within <c>using (Autograd.NoGrad())</c> no op records a graph (inference, optimizer steps).</summary>
    public static IDisposable NoGrad() => GradMode.Set(false).Boxed();

    /// <summary>Re-enables graph recording inside a NoGrad region.</summary>
    public static IDisposable EnableGrad() => GradMode.Set(true).Boxed();

    /// <summary>True when ops currently record a graph on this thread.</summary>
    public static bool IsGradEnabled => GradMode.IsEnabled;
}
