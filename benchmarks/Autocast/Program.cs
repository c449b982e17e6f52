// Activation memory of one training step in float32 and under autocast (BFloat16, Float16), on the CPU:
// the bytes the graph saves for backward (parameters left out: they live anyway) and the peak of live
// tensor bytes during forward + backward above what was live before the step (TensorMemory).
//   dotnet run -c Release --project benchmarks/Autocast
using System.Diagnostics;
using DeepNet.Autograd;
using DeepNet.Benchmarks;
using DeepNet.Layers;
using DeepNet.Tensors;

var g = new Generator(7);
using var cnn = BenchmarkModels.MnistCnn(g);
using var transformer = BenchmarkModels.Transformer(g);
var images = Tensor.Randn([64, 1, 28, 28], g).DetachFromScope();
var labels = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (long)(i % 10)).ToArray(), [64]).DetachFromScope();
int s = BenchmarkModels.TransformerSequence, n = BenchmarkModels.TransformerBatch, e = BenchmarkModels.TransformerDModel;
var tokens = Tensor.Randn([s, n, e], g).DetachFromScope();
var target = Tensor.Randn([s, n, e], g).DetachFromScope();

Console.WriteLine("| model | precision | saved for backward | peak live above start | step time (median of 5) |");
Console.WriteLine("| --- | --- | --- | --- | --- |");
foreach (var (name, model, training, loss) in new (string, Module, bool, Func<Tensor>)[]
{
    ("MNIST CNN, batch 64", cnn, true, () => cnn.Call(images).CrossEntropy(labels)),
    ($"Transformer [{s}, {n}, {e}], dropout off", transformer, false, () => transformer.Call(tokens).MseLoss(target)),
    ($"Transformer [{s}, {n}, {e}], dropout 0.1", transformer, true, () => transformer.Call(tokens).MseLoss(target)),
})
{
    model.Train(training);   // eval mode only switches dropout off here: the same ops in every precision
    foreach (DType? dtype in new DType?[] { null, DType.BFloat16, DType.Float16 })
    {
        var (saved, peak, ms) = Measure(model, loss, dtype);
        Console.WriteLine($"| {name} | {dtype?.ToString() ?? "Float32"} | {saved:N0} B | {peak:N0} B | {ms:F1} ms |");
    }
}

static (long Saved, long Peak, double Ms) Measure(Module model, Func<Tensor> loss, DType? dtype)
{
    long saved = 0, peak = 0;
    var times = new List<double>();
    for (int run = 0; run < 6; run++)   // run 0 warms up
    {
        foreach (var p in model.Parameters()) p.ZeroGrad();
        using var scope = new DisposeScope();
        long start = TensorMemory.LiveBytes;
        TensorMemory.ResetPeak();
        var clock = Stopwatch.StartNew();
        Tensor value;
        using (dtype is { } d ? Autocast.Enable(d) : null) value = loss();
        saved = GraphMemory.SavedBytes(value, model.Parameters());
        value.Backward();
        clock.Stop();
        peak = TensorMemory.PeakBytes - start;
        if (run > 0) times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return (saved, peak, times[times.Count / 2]);
}
