using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>Batch normalization of [N, C] or [N, C, L] inputs (torch.nn.BatchNorm1D); shape unchanged.</summary>
public sealed class BatchNorm1D(int numFeatures, float eps = 1e-5f, float? momentum = 0.1f, bool affine = true)
    : BatchNorm(numFeatures, eps, momentum, affine)
{
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"BatchNorm1D: expects input [N, C] or [N, C, L], got {input.Shape}");
    }

    protected override string Describe() => $"BatchNorm1D({NumFeatures})";
}
