namespace DeepNet.Tests.Kernels.Gpu;

/// <summary>Marks a test class whose <see cref="ParityFactAttribute"/> tests need a CUDA device.</summary>
public interface IRequiresCuda;
