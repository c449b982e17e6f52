using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/DeepNet.Benchmarks -- --filter '*Gemm*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
