using BenchmarkDotNet.Attributes;
using DeepNet.Kernels;
using DeepNet.Kernels.Cpu;
using DeepNet.Kernels.Geometry;

namespace DeepNet.Benchmarks;

/// <summary>
/// CPU SGEMM c = a·b on square Size×Size matrices, buffers allocated once, so a run measures
/// the kernel alone. The GFLOP/s column is 2·Size³ / mean time.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks
{
    private DeviceBuffer _a = null!, _b = null!, _c = null!;
    private StridedLayout _aLayout, _bLayout, _cLayout, _bTransposedLayout;

    [Params(256, 1024, 2048)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var cpu = CpuBackend.Instance;
        int n = Size;
        var rng = new Random(42);
        var host = new float[n * n];
        _a = cpu.Allocate(host.Length);
        _b = cpu.Allocate(host.Length);
        _c = cpu.Allocate(host.Length);
        foreach (var buffer in new[] { _a, _b })
        {
            for (int i = 0; i < host.Length; i++) host[i] = (float)(rng.NextDouble() * 2 - 1);
            cpu.CopyFromHost(host, buffer, 0);
        }
        _aLayout = _bLayout = _cLayout = StridedLayout.Contiguous([n, n]);
        _bTransposedLayout = new StridedLayout([n, n], [1, n], 0);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }

    /// <summary>c = a·b, both row-major.</summary>
    [Benchmark(Baseline = true)]
    public void MatMul() => CpuBackend.Instance.MatMul(_a, _aLayout, _b, _bLayout, _c, _cLayout);

    /// <summary>c = a·bᵀ (b read through swapped strides), the Linear layer's forward.</summary>
    [Benchmark]
    public void MatMulTransposedB() => CpuBackend.Instance.MatMul(_a, _aLayout, _b, _bTransposedLayout, _c, _cLayout);
}
