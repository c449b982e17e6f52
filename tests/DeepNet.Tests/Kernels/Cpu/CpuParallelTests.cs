using DeepNet.Kernels.Cpu;
using Xunit;

namespace DeepNet.Tests.Kernels.Cpu;

/// <summary>CpuParallel: every task runs once, errors surface, nested and concurrent loops finish, loops allocate nothing.</summary>
public class CpuParallelTests
{
    private readonly struct CountBody(int[] hits) : IParallelBody
    {
        public void Run(int task) => Interlocked.Increment(ref hits[task]);
    }

    private readonly struct ThrowBody(int bad) : IParallelBody
    {
        public void Run(int task)
        {
            if (task == bad) throw new InvalidOperationException($"task {task} failed");
        }
    }

    private readonly struct SliceBody(int[] hits, int offset) : IParallelBody
    {
        public void Run(int task) => Interlocked.Increment(ref hits[offset + task]);
    }

    private readonly struct OuterBody(int[] hits, int inner) : IParallelBody
    {
        public void Run(int task) => CpuParallel.For(inner, new SliceBody(hits, task * inner));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1000)]
    public void For_RunsEveryTaskExactlyOnce(int tasks)
    {
        for (int round = 0; round < 50; round++)
        {
            var hits = new int[tasks];
            CpuParallel.For(tasks, new CountBody(hits));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void For_RethrowsATaskException()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CpuParallel.For(16, new ThrowBody(5)));
        Assert.Equal("task 5 failed", e.Message);
        // The team is usable afterwards.
        var hits = new int[16];
        CpuParallel.For(16, new CountBody(hits));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void NestedLoops_RunEveryInnerTask()
    {
        const int Outer = 8, Inner = 9;
        var hits = new int[Outer * Inner];
        CpuParallel.For(Outer, new OuterBody(hits, Inner));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void LoopsFromManyThreads_AllFinish()
    {
        const int Threads = 6, Rounds = 300, Tasks = 13;
        var counts = new int[Threads][];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            counts[t] = new int[Tasks];
            for (int r = 0; r < Rounds; r++) CpuParallel.For(Tasks, new CountBody(counts[t]));
        });
        Assert.All(counts, c => Assert.All(c, h => Assert.Equal(Rounds, h)));
    }

    [Fact]
    public void For_AllocatesNothingPerLoop()
    {
        var hits = new int[32];
        for (int i = 0; i < 100; i++) CpuParallel.For(32, new CountBody(hits));
        // Per thread: other test classes run beside this one. The workers run only the body and a claim loop.
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) CpuParallel.For(32, new CountBody(hits));
        long perLoop = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
        // Parallel.For allocated about 1 KB per call.
        Assert.True(perLoop == 0, $"{perLoop} bytes allocated per loop");
        Assert.All(hits, h => Assert.Equal(1100, h));
    }
}
