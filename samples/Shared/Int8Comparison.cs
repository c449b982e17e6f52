using System.Diagnostics;
using System.Globalization;
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Layers.Quantized;
using DeepNet.Serialization;
using DeepNet.Tensors;
using DeepNet.Training;

namespace DeepNet.Samples;

/// <summary>
/// fp32 vs int8 for one trained model: file size, accuracy, batch-1 and batch-64 latency (medians)
/// and batch-64 throughput, measured on the float model, then again after
/// <see cref="Quantization.Quantize"/> (static, calibrated on <paramref name="calibration"/>) in place.
/// Prints one markdown row per precision. Used by samples (--quantize) and benchmarks/Int8.
/// </summary>
public static class Int8Comparison
{
    public sealed record Row(string Precision, long FileBytes, double Accuracy, double Batch1Ms, double Batch64Ms, double ImagesPerSecond);

    public static (Row Fp32, Row Int8) Run(string name, Module model, IEnumerable<Tensor> calibration, DataLoader test, Func<int, Tensor> batch,
        string outDir, QuantizationOptions? options = null, int batch1Runs = 200, int batch64Runs = 30)
    {
        Directory.CreateDirectory(outDir);
        var fp32 = Measure("fp32", model, test, batch, Path.Combine(outDir, "fp32.safetensors"), batch1Runs, batch64Runs);
        var clock = Stopwatch.StartNew();
        Quantization.Quantize(model, calibration, options);
        Console.WriteLine($"{name}: quantized in {clock.Elapsed.TotalSeconds:F1} s");
        var int8 = Measure("int8", model, test, batch, Path.Combine(outDir, "int8.safetensors"), batch1Runs, batch64Runs);
        Console.WriteLine("| model | precision | file | accuracy | batch-1 latency | batch-64 latency | batch-64 throughput |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in new[] { fp32, int8 })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {r.Precision} | {r.FileBytes:N0} B | {r.Accuracy:F4} | {r.Batch1Ms:F3} ms | {r.Batch64Ms:F2} ms | {r.ImagesPerSecond:F0}/s |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: file {int8.FileBytes / (double)fp32.FileBytes:F3}x, batch-64 speed-up {fp32.Batch64Ms / int8.Batch64Ms:F2}x, " +
            $"batch-1 speed-up {fp32.Batch1Ms / int8.Batch1Ms:F2}x, accuracy drop {(fp32.Accuracy - int8.Accuracy) * 100:F2} points"));
        return (fp32, int8);
    }

    private static Row Measure(string precision, Module model, DataLoader test, Func<int, Tensor> batch, string path, int runs1, int runs64)
    {
        model.Save(path);
        long bytes = new FileInfo(path).Length;
        double accuracy = new Trainer().Evaluate(model, new CrossEntropyLoss(), test).Accuracy ?? double.NaN;
        model.Eval();
        using var one = batch(1);
        using var many = batch(64);
        double ms1 = MedianMs(model, one, runs1), ms64 = MedianMs(model, many, runs64);
        return new Row(precision, bytes, accuracy, ms1, ms64, 64 / (ms64 / 1000));
    }

    private static double MedianMs(Module model, Tensor x, int runs)
    {
        using var noGrad = GradMode.NoGrad();
        for (int i = 0; i < 5; i++) model.Call(x).Dispose();   // JIT and pools warm
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Call(x).Dispose();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }
}
