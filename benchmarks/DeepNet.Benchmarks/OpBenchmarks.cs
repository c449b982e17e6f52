using BenchmarkDotNet.Attributes;
using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Benchmarks;

/// <summary>
/// Per-op timings through the Tensor API (allocation included, as in real use), one column per
/// device: matmul, conv2d forward/backward at the MNIST CNN and LeNet shapes, softmax, layer
/// norm, an elementwise op and a reduction. Device results are synchronized inside each op.
/// </summary>
[MemoryDiagnoser]
public class OpBenchmarks
{
    private Device _device = Device.Cpu;
    private readonly Dictionary<string, Tensor> _t = [];

    [ParamsSource(nameof(Devices))]
    public string DeviceName { get; set; } = "cpu";

    public static IEnumerable<string> Devices => DeviceParams.Available();

    [GlobalSetup]
    public void Setup()
    {
        _device = DeviceParams.Resolve(DeviceName);
        var g = new Generator(3);
        foreach (int n in new[] { 256, 1024, 4096 }) _t[$"m{n}"] = Tensor.Randn([n, n], g, _device);
        _t["mnistX"] = Tensor.Randn([64, 1, 28, 28], g, _device).RequiresGradient();
        _t["mnistW"] = Tensor.Randn([32, 1, 3, 3], g, _device).RequiresGradient();
        _t["mnist2X"] = Tensor.Randn([64, 32, 13, 13], g, _device).RequiresGradient();
        _t["mnist2W"] = Tensor.Randn([64, 32, 3, 3], g, _device).RequiresGradient();
        _t["lenetX"] = Tensor.Randn([64, 6, 14, 14], g, _device).RequiresGradient();
        _t["lenetW"] = Tensor.Randn([16, 6, 5, 5], g, _device).RequiresGradient();
        _t["rows"] = Tensor.Randn([4096, 1024], g, _device);
        _t["norm"] = Tensor.Randn([1024], g, _device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in _t.Values) t.Dispose();
    }

    private void Run(Func<Tensor> op)
    {
        using var scope = new DisposeScope();
        using (GradMode.NoGrad()) op();
        _device.Synchronize();
    }

    private void RunBackward(Func<Tensor> op, params string[] leaves)
    {
        using (var scope = new DisposeScope()) op().Sum().Backward();
        foreach (var l in leaves) _t[l].ZeroGrad();
        _device.Synchronize();
    }

    [Benchmark] public void MatMul256() => Run(() => _t["m256"].MatMul(_t["m256"]));
    [Benchmark] public void MatMul1024() => Run(() => _t["m1024"].MatMul(_t["m1024"]));
    [Benchmark] public void MatMul4096() => Run(() => _t["m4096"].MatMul(_t["m4096"]));
    [Benchmark] public void Conv2DMnistFirstForward() => Run(() => _t["mnistX"].Conv2D(_t["mnistW"]));
    [Benchmark] public void Conv2DMnistFirstBackward() => RunBackward(() => _t["mnistX"].Conv2D(_t["mnistW"]), "mnistX", "mnistW");
    [Benchmark] public void Conv2DMnistSecondForward() => Run(() => _t["mnist2X"].Conv2D(_t["mnist2W"]));
    [Benchmark] public void Conv2DMnistSecondBackward() => RunBackward(() => _t["mnist2X"].Conv2D(_t["mnist2W"]), "mnist2X", "mnist2W");
    [Benchmark] public void Conv2DLeNetSecondForward() => Run(() => _t["lenetX"].Conv2D(_t["lenetW"]));
    [Benchmark] public void Conv2DLeNetSecondBackward() => RunBackward(() => _t["lenetX"].Conv2D(_t["lenetW"]), "lenetX", "lenetW");
    [Benchmark] public void Softmax4096x1024() => Run(() => _t["rows"].Softmax(1));
    [Benchmark] public void LayerNorm4096x1024() => Run(() => _t["rows"].LayerNorm([1024], _t["norm"], _t["norm"]));
    [Benchmark] public void Add4096x1024() => Run(() => _t["rows"].Add(_t["rows"]));
    [Benchmark] public void SumRows4096x1024() => Run(() => _t["rows"].Sum(1));
}
