using DeepNet.GpuCompare;
using DeepNet.Kernels.Gpu;
using DeepNet.Tensors;

// DeepNet on a GPU vs PyTorch on the same GPU: see benchmarks/gpu/README.md.
GpuCompareOptions options;
try
{
    options = GpuCompareOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(GpuCompareOptions.Usage);
    return 2;
}

Device device;
try
{
    device = options.DeviceName.Trim().ToLowerInvariant() == "emulator" ? Device.GpuEmulator : Device.Parse(options.DeviceName);
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException)
{
    Console.Error.WriteLine($"GpuCompare: {e.Message}");   // e.g. --device cuda on a machine without a CUDA device
    return 2;
}
// Kernel compilation is excluded: every non-generic kernel is compiled now, the generic ones
// in each workload's warm-up runs.
GpuBackend? backend = device.Type switch
{
    DeviceType.Cuda => GpuBackend.Cuda(device.Index),
    DeviceType.GpuEmulator => GpuBackend.Emulator,
    _ => null,
};
var compile = System.Diagnostics.Stopwatch.StartNew();
backend?.WarmUp();
var sizes = options.Tiny ? WorkloadSizes.Tiny : WorkloadSizes.Full;
Console.WriteLine($"# DeepNet on {device} ({backend?.Name ?? "cpu backend"}), {(options.Tiny ? "tiny" : "full")} sizes, " +
    $"median of {options.Reps} after {options.Warmup} warm-up runs; kernel warm-up took {compile.Elapsed.TotalSeconds:F1} s");

var results = new List<(GpuWorkload Workload, double Ms)>();
foreach (var workload in GpuWorkloads.All(device, sizes))
{
    double ms = GpuTimer.MedianMs(workload, device, options.Warmup, options.Reps);
    results.Add((workload, ms));
    Console.WriteLine($"{workload.Name}: {ms:F4}");
    Console.WriteLine($"# {workload.Name}: {workload.Rate(ms)}");
    if (backend is not null) Console.WriteLine($"# {workload.Name}: {GpuTimer.CountOneRun(workload, device, backend)} per call");
    workload.Cleanup();
}
if (backend is not null) Console.WriteLine($"# memory: {backend.MemoryStats()}");

if (options.TorchFile is null && !options.RunTorch)
{
    Console.WriteLine("# no PyTorch timings: pass --run-torch or --torch FILE for ratios");
    return 0;
}
try
{
    var torch = options.RunTorch
        ? TorchResults.Run(options)
        : TorchResults.Parse(File.ReadLines(options.TorchFile!), options.TorchFile!);
    RatioReport.Print(results, torch);
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException
    or System.ComponentModel.Win32Exception)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
