using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace DeepNet.Kernels.Cpu;

// The CPU kernels' fork-join: ProcessorCount − 1 background workers and the calling thread claim
// task indices from one shared counter. Nothing is allocated per loop (Parallel.For allocates a
// replica set, tasks and a closure each call: two thirds of a training step's managed bytes), and
// the caller runs every task no worker has claimed, so a worker the OS has descheduled on a
// shared machine delays nothing it has not started. Between loops a worker lingers 200 µs (yielding)
// before it blocks, so back-to-back ops do not pay a wake-up each. One loop at a time: a loop started while
// another runs (another thread, or a body that forks) runs on its caller's thread.
// Oracle: CpuParallelTests, and every kernel test above the parallel threshold.

/// <summary>One parallel loop's body: <see cref="Run"/> is called once per task index.</summary>
internal interface IParallelBody
{
    void Run(int task);
}

/// <summary>Allocation-free fork-join over a fixed team of worker threads.</summary>
internal static unsafe class CpuParallel
{
    // _state packs the loop's generation (24 bits), task count (20) and next unclaimed task (20),
    // so a claim (one CAS) can only succeed for the loop whose body the claimer read.
    private const int CountBits = 20;
    private const long CountMask = (1L << CountBits) - 1;
    public const int MaxTasks = (1 << CountBits) - 1;

    private static readonly int Workers = Math.Max(Environment.ProcessorCount - 1, 0);
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly Lock StartGate = new();
    private static int _owner;            // 1 while a loop runs
    private static bool _started;
    private static long _state;
    private static void* _body;
    private static delegate*<void*, int, void> _invoke;
    private static int _done;
    private static int _lingering;        // workers watching for the next loop instead of blocked
    private static readonly long LingerTicks = System.Diagnostics.Stopwatch.Frequency / 5000;   // 200 µs
    private static ExceptionDispatchInfo? _error;

    /// <summary>Runs body.Run(t) for every t in [0, tasks), on the caller and the workers; rethrows the first exception.</summary>
    public static void For<TBody>(int tasks, TBody body) where TBody : struct, IParallelBody
    {
        if (tasks <= 1 || Workers == 0 || tasks > MaxTasks || Interlocked.CompareExchange(ref _owner, 1, 0) != 0)
        {
            for (int t = 0; t < tasks; t++) body.Run(t);
            return;
        }
        try
        {
            EnsureStarted();
            // The body is this frame's local (so the GC never moves it), and this frame outlives
            // the loop: it returns only after every claimed task is done, and none can be claimed once all are.
            _body = Unsafe.AsPointer(ref body);
            _invoke = &Invoke<TBody>;
            _done = 0;
            _error = null;
            long generation = ((Volatile.Read(ref _state) >> (2 * CountBits)) + 1) & 0xFFFFFF;
            Volatile.Write(ref _state, generation << (2 * CountBits) | (long)tasks << CountBits);
            // Lingering workers see the loop themselves; a release for one that blocks just after this read is
            // consumed by its next wait (a spurious pass), and a missed wake-up only leaves its tasks to the caller.
            int wake = Math.Min(Workers, tasks - 1) - Volatile.Read(ref _lingering);
            if (wake > 0) Wake.Release(wake);
            RunTasks();
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < tasks) spin.SpinOnce(sleep1Threshold: -1);
            _error?.Throw();
        }
        finally
        {
            _body = null;
            Volatile.Write(ref _owner, 0);
        }
    }

    private static void Invoke<TBody>(void* body, int task) where TBody : struct, IParallelBody =>
        Unsafe.AsRef<TBody>(body).Run(task);

    /// <summary>Claims and runs tasks of the current loop until none is left.</summary>
    private static void RunTasks()
    {
        while (true)
        {
            long state = Volatile.Read(ref _state);
            int tasks = (int)(state >> CountBits & CountMask), next = (int)(state & CountMask);
            if (next >= tasks) return;
            // Read after the state: while this loop has unclaimed tasks its body cannot change.
            void* body = _body;
            var invoke = _invoke;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            try { invoke(body, next); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
            finally { Interlocked.Increment(ref _done); }
        }
    }

    private static void EnsureStarted()
    {
        if (Volatile.Read(ref _started)) return;
        lock (StartGate)
        {
            if (_started) return;
            for (int i = 0; i < Workers; i++)
                new Thread(WorkerLoop) { IsBackground = true, Name = $"DeepNet CPU worker {i + 1}" }.Start();
            Volatile.Write(ref _started, true);
        }
    }

    private static void WorkerLoop()
    {
        while (true)
        {
            if (!AwaitNextLoop()) Wake.Wait();
            RunTasks();
        }
    }

    /// <summary>
    /// After a loop, a worker watches for the next one for up to <see cref="LingerTicks"/> (yielding the core
    /// to anything runnable) before it blocks: a training step runs its parallel ops tens of microseconds apart,
    /// and waking a blocked thread costs about that much each time. True when a loop with unclaimed tasks came.
    /// </summary>
    private static bool AwaitNextLoop()
    {
        Interlocked.Increment(ref _lingering);
        try
        {
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + LingerTicks;
            var spin = new SpinWait();
            while (System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
            {
                long state = Volatile.Read(ref _state);
                if ((state & CountMask) < (state >> CountBits & CountMask)) return true;
                spin.SpinOnce(sleep1Threshold: -1);
            }
            return false;
        }
        finally { Interlocked.Decrement(ref _lingering); }
    }
}
