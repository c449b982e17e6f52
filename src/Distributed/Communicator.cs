using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace DeepNet.Distributed;

/// <summary>
/// MPI_COMM_WORLD of the processes started by <c>mpirun -np N</c>: rank, size, broadcast,
/// all-reduce and barrier. Every MPI call runs on one dedicated thread (it initialized MPI, so
/// it also finalizes it), which lets gradient all-reduces proceed while backward computes; the
/// caller waits at most <see cref="Timeout"/> for any of them, then the whole job is aborted with
/// a message naming the operation, so a rank that hangs or dies never leaves the others waiting.
/// An unhandled exception on any rank also aborts the job, after printing it with its rank.
/// </summary>
public sealed unsafe class Communicator : IDisposable
{
    private static readonly Lock InitLock = new();
    private static Communicator? _world;

    private readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _queue = [];
    private readonly Thread _thread;
    private bool _disposed;
    private long _floatReduceTicks;

    private Communicator()
    {
        var ready = new TaskCompletionSource();
        _thread = new Thread(() => Loop(ready)) { IsBackground = true, Name = "mpi" };
        _thread.Start();
        try { ready.Task.GetAwaiter().GetResult(); }
        catch (Exception) { _queue.CompleteAdding(); throw; }
    }

    /// <summary>
    /// The world communicator; the first use initializes MPI (MPI_THREAD_MULTIPLE). Throws with an
    /// install hint when Open MPI's library is missing.
    /// </summary>
    public static Communicator World
    {
        get
        {
            lock (InitLock)
            {
                if (_world is not null) return _world;
                if (!MpiNative.TryLoad())
                    throw new DllNotFoundException($"mpi: {MpiNative.Library} not found. {Mpirun.InstallHint}");
                _world = new Communicator();
                AppDomain.CurrentDomain.UnhandledException += (_, e) =>
                    _world.Abort($"unhandled exception, aborting the MPI job: {e.ExceptionObject}");
                // A rank leaving with an error code must take the job down, not finalize as if done.
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    if (Environment.ExitCode != 0) _world.Abort($"process exiting with code {Environment.ExitCode}, aborting the MPI job", Environment.ExitCode);
                    else _world.Dispose();
                };
                return _world;
            }
        }
    }

    /// <summary>This process's index in 0..Size-1.</summary>
    public int Rank { get; private set; }

    /// <summary>Number of processes.</summary>
    public int Size { get; private set; }

    /// <summary>How long a collective may take before the job is aborted (default 5 minutes).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Overwrites <paramref name="values"/> on every rank with rank <paramref name="root"/>'s.</summary>
    public void Broadcast(float[] values, int root = 0) =>
        Run(() => { fixed (float* p = values) Check(MpiNative.MPI_Bcast(p, Count(values.Length), MpiNative.Float, CheckRoot(root), MpiNative.CommWorld), "MPI_Bcast"); }, $"broadcast of {values.Length} floats");

    /// <summary>Overwrites <paramref name="values"/> on every rank with rank <paramref name="root"/>'s.</summary>
    public void Broadcast(byte[] values, int root = 0) =>
        Run(() => { fixed (byte* p = values) Check(MpiNative.MPI_Bcast(p, Count(values.Length), MpiNative.Byte, CheckRoot(root), MpiNative.CommWorld), "MPI_Bcast"); }, $"broadcast of {values.Length} bytes");

    /// <summary>Replaces each element with its sum over all ranks.</summary>
    public void AllReduceSum(float[] values) => Wait(StartAllReduceSum(values), $"all-reduce of {values.Length} floats");

    /// <summary>Replaces each element with its sum over all ranks.</summary>
    public void AllReduceSum(double[] values) =>
        Run(() => { fixed (double* p = values) Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, p, Count(values.Length), MpiNative.Double, MpiNative.Sum, MpiNative.CommWorld), "MPI_Allreduce"); }, $"all-reduce of {values.Length} doubles");

    /// <summary>Blocks until every rank has called it.</summary>
    public void Barrier() => Run(() => Check(MpiNative.MPI_Barrier(MpiNative.CommWorld), "MPI_Barrier"), "barrier");

    /// <summary>Queues an in-place sum all-reduce on the MPI thread; the caller must not touch <paramref name="values"/> until it completes.</summary>
    internal Task StartAllReduceSum(float[] values) => Post(() =>
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        fixed (float* p = values) Check(MpiNative.MPI_Allreduce(MpiNative.InPlace, p, Count(values.Length), MpiNative.Float, MpiNative.Sum, MpiNative.CommWorld), "MPI_Allreduce");
        Interlocked.Add(ref _floatReduceTicks, System.Diagnostics.Stopwatch.GetTimestamp() - start);
    });

    /// <summary>Stopwatch ticks the MPI thread has spent inside float all-reduces (the gradient traffic).</summary>
    internal long FloatReduceTicks => Interlocked.Read(ref _floatReduceTicks);

    /// <summary>Waits for <paramref name="pending"/> at most <see cref="Timeout"/>; aborts the job when it does not finish.</summary>
    internal void Wait(Task pending, string what)
    {
        if (!pending.Wait(Timeout))
            Abort($"{what} did not finish within {Timeout.TotalSeconds:0.#} s: another rank has stopped, hangs, or runs different code; aborting the job");
        if (pending.Exception is { } e) ExceptionDispatchInfo.Throw(e.InnerException ?? e);
    }

    /// <summary>Prints <paramref name="message"/> with this rank to stderr and ends every process of the job (MPI_Abort).</summary>
    public void Abort(string message, int errorCode = 1)
    {
        Console.Error.WriteLine($"[rank {Rank}/{Size}] {message}");
        Console.Error.Flush();
        MpiNative.MPI_Abort(MpiNative.CommWorld, errorCode);
        Environment.Exit(errorCode);
    }

    /// <summary>Finalizes MPI (called at process exit when not before); the communicator cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var done = Post(() => Check(MpiNative.MPI_Finalize(), "MPI_Finalize"));
        _queue.CompleteAdding();
        done.Wait(TimeSpan.FromSeconds(30));
    }

    private void Run(Action work, string what) => Wait(Post(work), what);

    private Task Post(Action work)
    {
        ObjectDisposedException.ThrowIf(_queue.IsAddingCompleted, this);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((work, done));
        return done.Task;
    }

    private void Loop(TaskCompletionSource ready)
    {
        try
        {
            Check(MpiNative.MPI_Initialized(out int initialized), "MPI_Initialized");
            if (initialized == 0) Check(MpiNative.MPI_Init_thread(0, 0, MpiNative.ThreadMultiple, out _), "MPI_Init_thread");
            Check(MpiNative.MPI_Comm_rank(MpiNative.CommWorld, out int rank), "MPI_Comm_rank");
            Check(MpiNative.MPI_Comm_size(MpiNative.CommWorld, out int size), "MPI_Comm_size");
            (Rank, Size) = (rank, size);
            ready.SetResult();
        }
        catch (Exception e)
        {
            ready.SetException(e);
            return;
        }
        foreach (var (work, done) in _queue.GetConsumingEnumerable())
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception e) { done.SetException(e); }
        }
    }

    private int CheckRoot(int root) =>
        root >= 0 && root < Size ? root : throw new ArgumentOutOfRangeException(nameof(root), $"mpi: root {root} is not a rank of a world of {Size}");

    private static int Count(long length) =>
        length <= int.MaxValue ? (int)length : throw new ArgumentException($"mpi: {length} elements exceed MPI's int count; split the buffer");

    private static void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"mpi: {call} failed with error code {code}");
    }
}
