using DeepNet.Layers.Vision;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Layers.Vision;

public sealed class ResNetTests
{
    [Fact]
    public void ResNet18_HasTorchvisionsParameterNamesAndShapes()
    {
        using var resnet = ResNet.ResNet18(numClasses: 10, generator: new Generator(1));
        var state = resnet.StateDict();
        Assert.Equal([64, 3, 7, 7], state["conv1.weight"].Shape.ToArray());
        Assert.Equal([128, 64, 1, 1], state["layer2.0.downsample.0.weight"].Shape.ToArray());
        Assert.Equal([512], state["layer4.1.bn2.running_var"].Shape.ToArray());
        Assert.Equal([10, 512], state["fc.weight"].Shape.ToArray());
        Assert.DoesNotContain("layer1.0.downsample.0.weight", state.Keys);
        // torchvision's resnet18 has 11,689,512 parameters with its 1000-class head: 11,176,512 without it.
        using var features = ResNet.ResNet18(numClasses: null);
        Assert.Equal(11_176_512, features.ParameterCount);
    }

    [Fact]
    public void Forward_MapsImagesToLogits_AndFeaturesToThePooledWidth()
    {
        using var resnet = ResNet.ResNet18(numClasses: 10, generator: new Generator(2));
        resnet.Eval();
        using var x = Tensor.Randn([2, 3, 32, 32], new Generator(3));
        using var logits = resnet.Forward(x);
        using var features = resnet.Features(x);
        TensorAssert.ShapeIs([2, 10], logits);
        TensorAssert.ShapeIs([2, 512], features);
        Assert.All(features.ToArray(), v => Assert.True(v >= 0f, "pooled ReLU outputs are non-negative"));
    }

    [Fact]
    public void Forward_WrongChannelCount_NamesTheShape()
    {
        using var resnet = ResNet.ResNet18(numClasses: null);
        using var x = Tensor.Zeros([1, 1, 32, 32]);
        Assert.Contains("[N, 3, H, W]", Assert.Throws<ArgumentException>(() => resnet.Forward(x)).Message);
    }

    // A composite of gradchecked primitives (conv, batch norm, ReLU, add); finite differences across
    // its inner ReLU kinks are unreliable, so this checks that backward reaches every parameter.
    [Fact]
    public void BasicBlock_WithProjection_Backward_ReachesEveryParameter()
    {
        using var block = new BasicBlock(2, 3, stride: 2, generator: new Generator(4));
        using var x = Tensor.Randn([2, 2, 5, 5], new Generator(5));
        using var y = block.Forward(x);
        TensorAssert.ShapeIs([2, 3, 3, 3], y);
        using var loss = (y * y).Sum();
        loss.Backward();
        foreach (var (name, p) in block.NamedParameters())
            Assert.True(p.Grad is not null && p.Grad.ToArray().Any(g => g != 0f), $"{name} got no gradient");
    }

    [Fact]
    public void BasicBlock_Identity_KeepsTheShape_AndAddsTheInput()
    {
        using var block = new BasicBlock(3, 3, generator: new Generator(6));
        Assert.Null(block.Downsample);
        block.Eval();
        using var x = Tensor.Randn([1, 3, 6, 6], new Generator(7));
        using var y = block.Forward(x);
        TensorAssert.ShapeIs([1, 3, 6, 6], y);
    }
}
