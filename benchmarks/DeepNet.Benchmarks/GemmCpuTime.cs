using System.Diagnostics;
using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Benchmarks;

/// <summary>
/// `-- gemm-cputime [sizes...]`: SGEMM throughput per core-second of process CPU time next to
/// wall-clock GFLOP/s. On a machine shared with other work the wall figure drops with the load
/// while the per-core-second figure stays close to what the kernel does when it has a core,
/// so both are printed. Also prints the micro-kernel's rate on L1/L2-resident panels (the ceiling).
/// </summary>
public static class GemmCpuTime
{
    public static unsafe void Run(string[] args)
    {
        int[] sizes = args.Length > 0 ? args.Select(int.Parse).ToArray() : [256, 1024, 2048];
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"micro-kernel ceiling (kc 512, panels in cache): {KernelRate(512):F1} GFLOP/s per core-s");
        var cpu = CpuBackend.Instance;
        foreach (int n in sizes)
        {
            using var a = Random(cpu, n * n, 1);
            using var b = Random(cpu, n * n, 2);
            using var c = cpu.Allocate((long)n * n);
            var dense = StridedLayout.Contiguous([n, n]);
            var transposed = new StridedLayout([n, n], [1, n], 0);
            var data = (CpuBuffer)a;
            foreach (var (name, bLayout) in new[] { ("a·b", dense), ("a·bᵀ", transposed) })
            {
                var one = new GemmProblem(data.Data, 0, n, 1, ((CpuBuffer)b).Data, 0, bLayout.Strides[0], bLayout.Strides[1],
                    ((CpuBuffer)c).Data, 0, n, n, n, n, false);
                Report($"{n} {name} 1 thread ", n, () => CpuGemm.Run(one, parallel: false));
                Report($"{n} {name} all cores", n, () => cpu.MatMul(a, dense, b, bLayout, c, dense));
            }
        }
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Report(string label, int n, Action run)
    {
        int reps = Math.Max(3, (int)(4e9 / (2.0 * n * n * n)));
        for (int w = 0; w < 3; w++) run();
        double wall = double.MaxValue, cpuTime = double.MaxValue;
        var process = Process.GetCurrentProcess();
        for (int trial = 0; trial < 5; trial++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) run();
            wall = Math.Min(wall, clock.Elapsed.TotalSeconds / reps);
            process.Refresh();
            cpuTime = Math.Min(cpuTime, (process.TotalProcessorTime - cpu0).TotalSeconds / reps);
        }
        double gflop = 2.0 * n * n * n / 1e9;
        Console.WriteLine($"{label}: wall {wall * 1e3,9:F3} ms {gflop / wall,6:F1} GFLOP/s | cpu {cpuTime * 1e3,9:F3} ms {gflop / cpuTime,6:F1} GFLOP/s per core-s");
    }

    private static unsafe double KernelRate(int kc)
    {
        int nr = CpuGemm.Nr;
        float[] a = new float[CpuGemm.Mr * kc], b = new float[nr * kc], c = new float[CpuGemm.Mr * nr];
        Array.Fill(a, 1e-3f);
        Array.Fill(b, 1e-3f);
        long calls = 4_000_000_000L / (2L * CpuGemm.Mr * nr * kc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            for (int w = 0; w < 2000; w++) CpuGemmMicroKernel.Run(kc, pa, pb, pc, nr, add: true);
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            for (long i = 0; i < calls; i++) CpuGemmMicroKernel.Run(kc, pa, pb, pc, nr, add: true);
            process.Refresh();
            return calls * 2.0 * CpuGemm.Mr * nr * kc / (process.TotalProcessorTime - cpu0).TotalSeconds / 1e9;
        }
    }

    private static DeviceBuffer Random(CpuBackend cpu, int length, int seed)
    {
        var rng = new Random(seed);
        var host = new float[length];
        for (int i = 0; i < host.Length; i++) host[i] = (float)(rng.NextDouble() * 2 - 1);
        var buffer = cpu.Allocate(length);
        cpu.CopyFromHost(host, buffer, 0);
        return buffer;
    }
}
