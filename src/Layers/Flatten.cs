using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>Collapses dims startDim..endDim into one (torch.nn.Flatten; default keeps the batch dim): [N, C, H, W] → [N, C·H·W].</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module
{
    public int StartDim { get; } = startDim;

    public int EndDim { get; } = endDim;

    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);
}
