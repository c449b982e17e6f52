using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/DeepNet.Benchmarks -- --filter '*Gemm*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
