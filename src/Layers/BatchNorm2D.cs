using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>Batch normalization of [N, C, H, W] inputs (torch.nn.BatchNorm2D); shape unchanged.</summary>
public sealed class BatchNorm2D(int numFeatures, float eps = 1e-5f, float? momentum = 0.1f, bool affine = true)
    : BatchNorm(numFeatures, eps, momentum, affine)
{
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"BatchNorm2D: expects input [N, C, H, W], got {input.Shape}");
    }

    protected override string Describe() => $"BatchNorm2D({NumFeatures})";
}
