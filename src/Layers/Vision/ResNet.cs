using DeepNet.Tensors;

namespace DeepNet.Layers.Vision;

/// <summary>
/// ResNet with basic blocks (torchvision.models.resnet18/34): conv1 7×7/2 → bn1 → relu →
/// maxpool 3×3/2 → layer1..layer4 (64, 128, 256, 512 channels; strides 1, 2, 2, 2) → global
/// average pool → fc. x: [N, 3, H, W] → [N, classes] logits, or [N, 512] pooled features when
/// built without a head (<c>numClasses: null</c>, as feature extractors and the CNTK ResNet-18
/// export are). Parameter names are torchvision's (conv1.weight, layer2.0.downsample.0.weight,
/// bn1.running_mean, fc.weight), so its state dicts load as they are.
/// </summary>
public sealed class ResNet : Module
{
    private static readonly int[] Widths = [64, 128, 256, 512];
    private readonly Conv2D _conv1;
    private readonly BatchNorm2D _bn1;
    private readonly MaxPool2D _maxPool;
    private readonly Sequential[] _stages;
    private readonly Dense? _fc;

    /// <summary><paramref name="layers"/>: blocks per stage ([2, 2, 2, 2] is ResNet-18, [3, 4, 6, 3] ResNet-34).</summary>
    public ResNet(int[] layers, int? numClasses = 1000, float batchNormEps = 1e-5f, Generator? generator = null)
    {
        if (layers.Length != 4 || layers.Any(n => n < 1))
            throw new ArgumentException($"resnet: layers must be four positive block counts, got [{string.Join(", ", layers)}]");
        if (numClasses is < 1) throw new ArgumentException($"resnet: numClasses must be positive, got {numClasses}");
        Layers = (int[])layers.Clone();
        NumClasses = numClasses;
        _conv1 = RegisterModule("conv1", new Conv2D(3, 64, 7, 2, padding: 3, bias: false, generator: generator));
        _bn1 = RegisterModule("bn1", new BatchNorm2D(64, batchNormEps));
        _maxPool = new MaxPool2D(3, 2, padding: 1);
        _stages = new Sequential[4];
        int channels = 64;
        for (int s = 0; s < 4; s++)
        {
            var stage = new Sequential();
            for (int b = 0; b < layers[s]; b++)
            {
                stage.Add(new BasicBlock(channels, Widths[s], b == 0 && s > 0 ? 2 : 1, batchNormEps, generator));
                channels = Widths[s];
            }
            _stages[s] = RegisterModule($"layer{s + 1}", stage);
        }
        if (numClasses is int classes) _fc = RegisterModule("fc", new Dense(512, classes, generator: generator));
    }

    /// <summary>ResNet-18: two basic blocks per stage.</summary>
    public static ResNet ResNet18(int? numClasses = 1000, Generator? generator = null) => new([2, 2, 2, 2], numClasses, generator: generator);

    /// <summary>ResNet-34: 3, 4, 6 and 3 basic blocks.</summary>
    public static ResNet ResNet34(int? numClasses = 1000, Generator? generator = null) => new([3, 4, 6, 3], numClasses, generator: generator);

    /// <summary>Blocks per stage.</summary>
    public IReadOnlyList<int> Layers { get; }

    /// <summary>Classes of the fc head, or null when the model ends at the pooled features.</summary>
    public int? NumClasses { get; }

    /// <summary>Width of the pooled features (512 for basic blocks).</summary>
    public int FeatureSize => Widths[^1];

    /// <summary>Stage <paramref name="index"/> (0..3, torchvision's layer1..layer4).</summary>
    public Sequential Stage(int index) => _stages[index];

    /// <summary>The classification head, or null.</summary>
    public Dense? Fc => _fc;

    /// <summary>x: [N, 3, H, W] → [N, 512]: everything up to and including the global average pool.</summary>
    public Tensor Features(Tensor input)
    {
        if (input.Rank != 4 || input.Shape[1] != 3)
            throw new ArgumentException($"resnet: input {input.Shape} must be [N, 3, H, W]");
        return DisposeScope.Run(() =>
        {
            var x = _maxPool.Call(_bn1.Call(_conv1.Call(input)).Relu());
            foreach (var stage in _stages) x = stage.Call(x);
            return x.Mean([2, 3]);
        });
    }

    /// <summary>x: [N, 3, H, W] → [N, classes] (or [N, 512] features without a head).</summary>
    public override Tensor Forward(Tensor input)
    {
        var features = Features(input);
        if (_fc is null) return features;
        using (features) return _fc.Call(features);
    }

    protected override string Describe() => $"ResNet([{string.Join(", ", Layers)}]{(NumClasses is int c ? $", {c} classes" : ", features")})";
}
