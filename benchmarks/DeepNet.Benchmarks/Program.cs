using BenchmarkDotNet.Running;

// Runs the benchmarks picked by the command line, e.g. `-- --filter '*Gemm*' --job short`.
BenchmarkSwitcher.FromAssembly(typeof(DeepNet.Benchmarks.GemmBenchmarks).Assembly).Run(args);
