using BenchmarkDotNet.Running;
using DeepNet.Benchmarks;

// dotnet run -c Release --project benchmarks/DeepNet.Benchmarks -- --filter '*Gemm*' [--job short]
// dotnet run -c Release --project benchmarks/DeepNet.Benchmarks -- gemm-cputime [sizes...]
if (args.Length > 0 && args[0] == "gemm-cputime") GemmCpuTime.Run(args[1..]);
else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
