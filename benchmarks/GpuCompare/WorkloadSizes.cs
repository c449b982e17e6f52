namespace DeepNet.GpuCompare;

/// <summary>
/// The problem sizes (conv: batch and square input size of the MNIST CNN's first two layers); <see cref="Full"/> matches pytorch_compare.py, <see cref="Tiny"/> matches
/// its --tiny and keeps the ILGPU emulator to seconds. Workload names carry the sizes (the encoder steps' do not:
/// transformer_step is d 128, 4 heads, 2 layers on [64, 16, 128]; minilm_step 6 layers, 384, 12 heads, ff 1536 on [16, 128]).
/// </summary>
public sealed record WorkloadSizes(int GemmSmall, int GemmLarge, int Batch, int Conv1Size, int Conv2Size, int SoftmaxRows, int SoftmaxCols,
    int AddRows, int AddCols, EncoderSize Transformer, EncoderSize MiniLm)
{
    public static WorkloadSizes Full { get; } = new(1024, 4096, 64, 28, 13, 4096, 1024, 4096, 4096,
        new EncoderSize(2, 128, 4, 512, 64, 16), new EncoderSize(6, 384, 12, 1536, 16, 128));

    public static WorkloadSizes Tiny { get; } = new(32, 64, 1, 10, 6, 64, 128, 64, 64,
        new EncoderSize(2, 8, 2, 16, 2, 4), new EncoderSize(2, 12, 3, 24, 1, 4));
}
