using DeepNet.Data;
using DeepNet.Layers.Vision;
using DeepNet.Serialization.Onnx;
using DeepNet.Tensors;
using DeepNet.Tests.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>ResNet-18 from Microsoft.ML.DnnImageFeaturizer.ResNet18's CNTK export, checked against ONNX Runtime.</summary>
public sealed class ResNetOnnxImportTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void ImportedResNet18_Features_EqualOnnxRuntimes_OnDigitsAndPatterns()
    {
        var model = OnnxModel.Load(PretrainedModels.ResNet18);
        using var resnet = ResNetOnnxImporter.Import(model);
        // Read from the graph's structure: this CNTK "ResNet-18" has a third block in its last stage
        // (9 Add nodes, 110 initializers), one more than torchvision's resnet18.
        Assert.Equal([2, 2, 2, 3], resnet.Layers);
        Assert.Null(resnet.NumClasses);
        Assert.False(resnet.IsTraining);

        var images = Images(PretrainedModels.ResNetPreprocess);
        using var session = new InferenceSession(PretrainedModels.ResNet18);
        using var batch = Tensor.FromArray(images.SelectMany(i => i).ToArray(), [images.Length, 3, 224, 224]);
        using var features = resnet.Forward(batch);
        Assert.Equal([images.Length, 512], features.Shape.ToArray());
        float[] ours = features.ToArray();
        for (int i = 0; i < images.Length; i++)
        {
            float[] expected = PretrainedModels.Run(session, model.Graph.Outputs[0].Name, (model.Graph.Inputs[0].Name, images[i], [1, 3, 224, 224]));
            double maxDiff = expected.Select((e, j) => Math.Abs(e - ours[i * 512 + j])).Max();
            Assert.True(maxDiff <= Tolerance, $"image {i}: max abs diff {maxDiff:E2} against ONNX Runtime (features up to {expected.Max():F2})");
            Assert.True(expected.Max() > 0.1f, "the features must not be all zero");
        }
    }

    [Fact]
    public void Import_InitializerOfTheWrongShape_NamesTheTensor_AndBuildsNothing()
    {
        var proto = DeepNet.Serialization.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(PretrainedModels.ResNet18));
        var weight = proto.Graph.Initializer.Single(t => t.Name == "Parameter86");   // layer1.0.conv1, [64, 64, 3, 3]
        weight.Dims[1] = 32;
        var half = weight.FloatData.Take(weight.FloatData.Count / 2).ToArray();   // CNTK writes float_data, not raw_data
        weight.FloatData.Clear();
        weight.FloatData.AddRange(half);
        var model = OnnxModel.Parse(Google.Protobuf.MessageExtensions.ToByteArray(proto), "resnet18-bad.onnx");
        var e = Assert.Throws<OnnxFormatException>(() => ResNetOnnxImporter.Import(model));
        Assert.Contains("Parameter86", e.Message);
        Assert.Contains("[64, 32, 3, 3]", e.Message);
        Assert.Contains("Convolution257", e.Message);
    }

    [Fact]
    public void Import_AGraphThatIsNotAResNet_SaysWhichNodeDiffers()
    {
        var model = OnnxModel.Parse(Google.Protobuf.MessageExtensions.ToByteArray(OnnxTestModels.Dense()), "dense.onnx");
        var e = Assert.Throws<OnnxFormatException>(() => ResNetOnnxImporter.Import(model));
        Assert.Contains("'dense.onnx' is not a ResNet", e.Message);
    }

    /// <summary>
    /// Inputs as the featurizer feeds them (ResNetPreprocess.onnx: RGB → BGR, minus the mean image):
    /// four real MNIST test digits resized to 224×224×3, and synthetic patterns.
    /// </summary>
    private static float[][] Images(string preprocessPath)
    {
        float[] mean = OnnxModel.Load(preprocessPath).Graph.Initializers["MeanImage"].Floats;
        var digits = Mnist.ReadSplit(DataFixtures.Path("mnist", "t10k-first-4-images.idx"), DataFixtures.Path("mnist", "t10k-first-4-labels.idx"));
        var rgb = new List<Func<int, int, int, float>>();
        for (int d = 0; d < digits.Count; d++)
        {
            int offset = d * 784;
            rgb.Add((c, y, x) => 255f * digits.Images[offset + y * 28 / 224 * 28 + x * 28 / 224]);   // nearest-neighbour upscale, grey in all channels
        }
        rgb.Add((c, y, x) => (x + y + 60 * c) % 256);                                   // diagonal gradients per channel
        rgb.Add((c, y, x) => ((x / 16 + y / 16) % 2 == 0) ^ (c == 1) ? 230f : 20f);      // checkerboard
        var random = new Random(14);
        var noise = Enumerable.Range(0, 3 * 224 * 224).Select(_ => random.Next(256)).ToArray();
        rgb.Add((c, y, x) => noise[(c * 224 + y) * 224 + x]);
        return rgb.Select(pixel =>
        {
            var image = new float[3 * 224 * 224];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 224; y++)
                    for (int x = 0; x < 224; x++)
                        image[(c * 224 + y) * 224 + x] = pixel(2 - c, y, x) - mean[(c * 224 + y) * 224 + x];   // channel c of BGR is RGB's 2 − c
            return image;
        }).ToArray();
    }
}
