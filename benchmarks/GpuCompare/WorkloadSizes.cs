namespace DeepNet.GpuCompare;

/// <summary>
/// The problem sizes (conv: batch and square input size of the MNIST CNN's first two layers); <see cref="Full"/> matches pytorch_compare.py, <see cref="Tiny"/> matches
/// its --tiny and keeps the ILGPU emulator to seconds. Workload names carry the sizes.
/// </summary>
public sealed record WorkloadSizes(int GemmSmall, int GemmLarge, int Batch, int Conv1Size, int Conv2Size, int SoftmaxRows, int SoftmaxCols, int AddRows, int AddCols)
{
    public static WorkloadSizes Full { get; } = new(1024, 4096, 64, 28, 13, 4096, 1024, 4096, 4096);
    public static WorkloadSizes Tiny { get; } = new(32, 64, 1, 10, 6, 64, 128, 64, 64);
}
