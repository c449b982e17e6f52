using DeepNet.Tensors;

namespace DeepNet.Layers.Vision;

/// <summary>
/// ResNet's basic residual block (torchvision.models.resnet.BasicBlock):
/// y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), conv1 3×3 with the block's stride,
/// conv2 3×3, shortcut the identity or <c>downsample</c> (1×1 conv with the stride, then batch
/// norm) when the stride or width changes. x: [N, C, H, W] → [N, K, H/stride, W/stride].
/// Children keep torchvision's names: conv1, bn1, conv2, bn2, downsample.0, downsample.1.
/// </summary>
public sealed class BasicBlock : Module
{
    private readonly Conv2D _conv1, _conv2;
    private readonly BatchNorm2D _bn1, _bn2;
    private readonly Sequential? _downsample;

    public BasicBlock(int inChannels, int outChannels, int stride = 1, float batchNormEps = 1e-5f, Generator? generator = null)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
        _conv1 = RegisterModule("conv1", new Conv2D(inChannels, outChannels, 3, stride, padding: 1, bias: false, generator: generator));
        _bn1 = RegisterModule("bn1", new BatchNorm2D(outChannels, batchNormEps));
        _conv2 = RegisterModule("conv2", new Conv2D(outChannels, outChannels, 3, 1, padding: 1, bias: false, generator: generator));
        _bn2 = RegisterModule("bn2", new BatchNorm2D(outChannels, batchNormEps));
        if (stride != 1 || inChannels != outChannels)
            _downsample = RegisterModule("downsample", new Sequential(
                new Conv2D(inChannels, outChannels, 1, stride, bias: false, generator: generator), new BatchNorm2D(outChannels, batchNormEps)));
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public int Stride { get; }

    /// <summary>The projection shortcut, or null for the identity.</summary>
    public Sequential? Downsample => _downsample;

    public override Tensor Forward(Tensor input) => DisposeScope.Run(() =>
    {
        var main = _bn2.Call(_conv2.Call(_bn1.Call(_conv1.Call(input)).Relu()));
        var shortcut = _downsample is null ? input : _downsample.Call(input);
        return (main + shortcut).Relu();
    });

    protected override string Describe() => $"BasicBlock({InChannels}→{OutChannels}, stride {Stride})";
}
