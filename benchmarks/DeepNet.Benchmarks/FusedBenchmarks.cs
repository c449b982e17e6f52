using BenchmarkDotNet.Attributes;
using DeepNet.Tensors;
using DeepNet.Autograd;

namespace DeepNet.Benchmarks;

/// <summary>
/// Fused kernels against the composites they replace, on the CPU through the Tensor API
/// (forward + backward where differentiable): softmax + cross entropy at [64, 10], bias + Relu
/// at [64, 64] and [64, 32, 26, 26], and one Adam step over 100,352 parameters.
/// dotnet run -c Release --project benchmarks/DeepNet.Benchmarks -- --filter '*FusedBenchmarks*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class FusedBenchmarks
{
    private const int AdamParams = 100_352;
    private Tensor _logits = null!, _target = null!, _x2 = null!, _b2 = null!, _x4 = null!, _b4 = null!;
    private Tensor _p = null!, _g = null!, _m = null!, _v = null!;
    private long _step;

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(5);
        _logits = Tensor.Randn([64, 10], g).RequiresGradient();
        _target = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (float)(i % 10)).ToArray());
        _x2 = Tensor.Randn([64, 64], g).RequiresGradient();
        _b2 = Tensor.Randn([64], g).RequiresGradient();
        _x4 = Tensor.Randn([64, 32, 26, 26], g).RequiresGradient();
        _b4 = Tensor.Randn([32], g).RequiresGradient();
        _p = Tensor.Randn([AdamParams], g);
        _g = Tensor.Randn([AdamParams], g);
        _m = Tensor.Zeros([AdamParams]);
        _v = Tensor.Zeros([AdamParams]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _logits, _target, _x2, _b2, _x4, _b4, _p, _g, _m, _v }) t.Dispose();
    }

    [Benchmark] public void CrossEntropyComposite64x10() => Backward(() => _logits.LogSoftmax(1).Gather(1, _target.Unsqueeze(1)).Neg().Mean(), _logits);
    [Benchmark] public void CrossEntropyFused64x10() => Backward(() => _logits.CrossEntropy(_target), _logits);

    [Benchmark] public void BiasReluComposite64x64() => Backward(() => _x2.Add(_b2).Relu().Sum(), _x2, _b2);
    [Benchmark] public void BiasReluFused64x64() => Backward(() => _x2.AddBiasActivation(_b2, Activation.Relu).Sum(), _x2, _b2);

    [Benchmark] public void BiasReluComposite64x32x26x26() => Backward(() => _x4.Add(_b4.Reshape(1, 32, 1, 1)).Relu().Sum(), _x4, _b4);
    [Benchmark] public void BiasReluFused64x32x26x26() => Backward(() => _x4.AddBiasActivation(_b4, Activation.Relu).Sum(), _x4, _b4);

    /// <summary>The composite Adam step as the optimizer wrote it before the fused kernel (in-place Tensor ops).</summary>
    [Benchmark]
    public void AdamComposite100k()
    {
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        long t = ++_step;
        _m.MulInPlace(0.9f).AddInPlace(_g, 0.1f);
        using var square = _g.Mul(_g);
        _v.MulInPlace(0.999f).AddInPlace(square, 0.001f);
        double bc1 = 1 - Math.Pow(0.9, t), bc2Sqrt = Math.Sqrt(1 - Math.Pow(0.999, t));
        using var denom = _v.Sqrt().Div((float)bc2Sqrt).Add(1e-8f);
        _p.AddInPlace(_m.Div(denom), (float)(-1e-3 / bc1));
    }

    [Benchmark]
    public void AdamFused100k()
    {
        using var noGrad = GradMode.NoGrad();
        _p.AdamUpdate(_g, _m, _v, null, ++_step, new AdamOptions(1e-3));
    }

    private static void Backward(Func<Tensor> loss, params Tensor[] leaves)
    {
        using (new DisposeScope()) loss().Backward();
        foreach (var l in leaves) l.ZeroGrad();
    }
}
