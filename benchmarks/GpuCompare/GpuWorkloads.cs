using DeepNet.Benchmarks;
using DeepNet.Layers;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Layers.Losses;
using DeepNet.Autograd;

namespace DeepNet.GpuCompare;

/// <summary>
/// The workloads of benchmarks/gpu/pytorch_compare.py on the DeepNet side, same names, same
/// shapes, same work: every op goes through the Tensor API (output allocation from the caching
/// allocator included, as in eager PyTorch), inside a dispose scope so nothing grows.
/// </summary>
public static class GpuWorkloads
{
    private static readonly Goal GemmIssue4 = new(0.7, "issue 4: SGEMM 4096 fp32 >= 0.7x PyTorch (TF32 off)");
    private static readonly Goal GemmIssue8 = new(0.8, "issue 8: SGEMM 4096 fp32 >= 0.8x PyTorch (TF32 off)");
    private static readonly Goal Bandwidth = new(0.8, "issue 4: softmax/elementwise >= 0.8x PyTorch's bandwidth");
    private static readonly Goal CnnStep = new(1.0, "issue 8: MNIST CNN step <= 1.0x PyTorch eager time");

    /// <summary>All workloads, in the order the Python script prints them.</summary>
    public static IEnumerable<GpuWorkload> All(Device device, WorkloadSizes s)
    {
        var g = new Generator(11);
        yield return Sgemm(device, s.GemmSmall, g, []);
        yield return Sgemm(device, s.GemmLarge, g, [GemmIssue4, GemmIssue8]);
        yield return ConvForwardBackward("conv1_fwd_bwd", device, g, s.Batch, 1, s.Conv1Size, 32);
        yield return ConvForwardBackward("conv2_fwd_bwd", device, g, s.Batch, 32, s.Conv2Size, 64);
        yield return Softmax(device, g, s.SoftmaxRows, s.SoftmaxCols);
        yield return Add(device, g, s.AddRows, s.AddCols);
        yield return MnistCnnStep(device, g, s.Batch);
        foreach (var encoder in EncoderWorkloads.All(device, s.Transformer, s.MiniLm, g)) yield return encoder;
    }

    /// <summary>c = a·b, a, b: [n, n] fp32.</summary>
    private static GpuWorkload Sgemm(Device device, int n, Generator g, Goal[] goals)
    {
        var a = Tensor.Randn([n, n], g, device);
        var b = Tensor.Randn([n, n], g, device);
        return new GpuWorkload($"sgemm_{n}", () => NoGrad(() => a.MatMul(b)),
            ms => $"{2.0 * n * n * n / ms / 1e6:G4} GFLOP/s", goals, () => { a.Dispose(); b.Dispose(); });
    }

    /// <summary>y = conv2d(x, w, b) (3×3, stride 1, no padding); then sum(y).backward() → dx, dW, db.</summary>
    private static GpuWorkload ConvForwardBackward(string name, Device device, Generator g, int n, int c, int h, int k)
    {
        var x = Tensor.Randn([n, c, h, h], g, device).RequiresGradient();
        var w = Tensor.Randn([k, c, 3, 3], g, device, std: 0.1f).RequiresGradient();
        var b = Tensor.Zeros([k], device).RequiresGradient();
        int p = h - 2;
        double forwardFlops = 2.0 * n * k * p * p * c * 9;
        return new GpuWorkload(name,
            () =>
            {
                foreach (var t in new[] { x, w, b }) t.ZeroGrad();
                using var scope = new DisposeScope();
                x.Conv2D(w, b).Sum().Backward();
            },
            // Backward is two GEMMs of the forward's size (dx and dW): about 3x the forward's flops.
            ms => $"{3 * forwardFlops / ms / 1e6:G4} GFLOP/s", [],
            () => { x.Dispose(); w.Dispose(); b.Dispose(); });
    }

    /// <summary>softmax along the last dim of [rows, cols].</summary>
    private static GpuWorkload Softmax(Device device, Generator g, int rows, int cols)
    {
        var x = Tensor.Randn([rows, cols], g, device);
        return new GpuWorkload($"softmax_{rows}x{cols}", () => NoGrad(() => x.Softmax(-1)),
            ms => GigabytesPerSecond(2L * rows * cols, ms), [Bandwidth], x.Dispose);
    }

    /// <summary>z = x + y, all [rows, cols]: two reads and a write per element.</summary>
    private static GpuWorkload Add(Device device, Generator g, int rows, int cols)
    {
        var x = Tensor.Randn([rows, cols], g, device);
        var y = Tensor.Randn([rows, cols], g, device);
        return new GpuWorkload($"add_{rows}x{cols}", () => NoGrad(() => x.Add(y)),
            ms => GigabytesPerSecond(3L * rows * cols, ms), [Bandwidth], () => { x.Dispose(); y.Dispose(); });
    }

    /// <summary>One training step of the Keras MNIST CNN (BenchmarkModels.MnistCnn), cross entropy, Adam lr 1e-3.</summary>
    private static GpuWorkload MnistCnnStep(Device device, Generator g, int batch)
    {
        var model = BenchmarkModels.MnistCnn(g);
        model.To(device);
        var optimizer = new Adam(model.Parameters(), 1e-3);
        var loss = new CrossEntropyLoss();
        var x = Tensor.Randn([batch, 1, 28, 28], g, device);
        var y = Tensor.RandInt(0, 10, [batch], g, device);
        return new GpuWorkload("mnist_cnn_step",
            () =>
            {
                using var scope = new DisposeScope();
                optimizer.ZeroGrad();
                loss.Forward(model.Forward(x), y).Backward();
                optimizer.Step();
            },
            ms => $"{batch / ms * 1e3:G4} images/s", [CnnStep],
            () => { model.Dispose(); x.Dispose(); y.Dispose(); });
    }

    private static void NoGrad(Func<Tensor> op)
    {
        using var scope = new DisposeScope();
        using (GradMode.NoGrad()) op();
    }

    private static string GigabytesPerSecond(long floats, double ms) => $"{floats * 4.0 / ms / 1e6:G4} GB/s";
}
