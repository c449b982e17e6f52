using System.Linq.Expressions;
using System.Reflection;

namespace DeepNet.Kernels.Gpu;

/// <summary>
/// The mutable counts behind <see cref="GpuCounters"/>. Launches are counted by wrapping each
/// launch delegate once, when it is loaded (<see cref="Counted{TDelegate}"/>), so no launcher
/// can forget to count; an increment costs nanoseconds next to a launch's microseconds.
/// </summary>
internal sealed class GpuCounter
{
    private static readonly MethodInfo LaunchMethod =
        typeof(GpuCounter).GetMethod(nameof(Launch), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private long _launches, _syncs;

    public GpuCounters Snapshot => new(Interlocked.Read(ref _launches), Interlocked.Read(ref _syncs));

    public void Sync() => Interlocked.Increment(ref _syncs);

    /// <summary>A delegate of the same type that counts one launch, then calls <paramref name="kernel"/>.</summary>
    public TDelegate Counted<TDelegate>(TDelegate kernel) where TDelegate : Delegate
    {
        // Any launch signature (kernels take 4 to 12 arguments): one expression-tree wrapper, compiled once per kernel.
        var parameters = typeof(TDelegate).GetMethod("Invoke")!.GetParameters()
            .Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var body = Expression.Block(
            Expression.Call(Expression.Constant(this), LaunchMethod),
            Expression.Invoke(Expression.Constant(kernel), parameters));
        return Expression.Lambda<TDelegate>(body, parameters).Compile();
    }

    private void Launch() => Interlocked.Increment(ref _launches);
}
