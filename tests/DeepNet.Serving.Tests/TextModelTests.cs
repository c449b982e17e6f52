using System.Net;
using System.Text.Json;
using DeepNet.Autograd;
using DeepNet.Layers.Text;
using DeepNet.Serialization;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Serving.Tests;

/// <summary>A BERT classifier saved as samples/BertFineTune saves it for serving: text in, label and probabilities out.</summary>
public sealed class TextModelTests : IDisposable
{
    // [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then words.
    private static readonly string[] Vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "free", "money", "meeting", "tomorrow", "win", "now"];
    private const int MaxLength = 6;
    private readonly string _dir = Directory.CreateTempSubdirectory("deepnet-serving-text-").FullName;
    private readonly BertForSequenceClassification _model;

    public TextModelTests()
    {
        var config = new BertConfig
        {
            VocabSize = Vocabulary.Length, HiddenSize = 8, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 16, MaxPositionEmbeddings = 16,
        };
        _model = new BertForSequenceClassification(config, numLabels: 2, new Generator(5));
        _model.Eval();
        WeightsPath = Save(Vocabulary.Length);
    }

    private string WeightsPath { get; }

    public void Dispose()
    {
        _model.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Save(int vocabularyLines, string name = "bert")
    {
        string weights = Path.Combine(_dir, name + ".safetensors");
        SafeTensorsWriter.Write(weights, _model.ToNamedArrays("0."));
        ModelDigest.Write(weights);
        new ModelArchitecture(ModelTask.Classification, [MaxLength], [LayerRegistry.Describe(_model)], ["ham", "spam"], weightsFile: name + ".safetensors", name: name)
            .Save(Path.ChangeExtension(weights, ".json"));
        File.WriteAllLines(Path.Combine(_dir, name + "-vocab.txt"), Vocabulary.Take(vocabularyLines));
        File.WriteAllText(Path.ChangeExtension(weights, ".tokenizer.json"),
            $$"""{"kind": "bert-wordpiece", "vocab": "{{name}}-vocab.txt", "do_lower_case": true, "max_length": {{MaxLength}}, "labels": ["ham", "spam"]}""");
        return weights;
    }

    private float[] Direct(float[] ids)
    {
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        return _model.Forward(Tensor.FromArray(ids, [1, MaxLength])).Softmax(-1).ToArray();
    }

    [Fact]
    public async Task Texts_AreTokenizedAsInTraining_AndAnsweredWithLabelAndProbabilities()
    {
        await using var factory = new ServingFactory(WeightsPath);
        using var client = await factory.ReadyClientAsync();
        using var response = await client.PostAsync("/predict", Json.Body("""{"instances": ["Win FREE money now!", "meeting tomorrow"]}"""),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var predictions = (await Json.ReadAsync(response)).GetProperty("predictions").EnumerateArray().ToList();
        // Lowercased word pieces, "!" unknown, cut to MaxLength − 2 pieces between [CLS] and [SEP].
        float[][] ids = [[2, 9, 5, 6, 10, 3], [2, 7, 8, 3, 0, 0]];
        for (int i = 0; i < 2; i++)
        {
            float[] expected = Direct(ids[i]);
            float[] probabilities = Json.Floats(predictions[i].GetProperty("probabilities"));
            Assert.Equal(expected, probabilities, (a, b) => Math.Abs(a - b) <= 1e-5f);
            Assert.Equal(expected[1] > expected[0] ? "spam" : "ham", predictions[i].GetProperty("class_name").GetString());
        }
    }

    [Fact]
    public async Task NumbersSentToATextModel_AreA400NamingTheInstance()
    {
        await using var factory = new ServingFactory(WeightsPath);
        using var client = await factory.ReadyClientAsync();
        using var response = await client.PostAsync("/predict", Json.Body("""{"instances": ["fine", [1, 2, 3, 4, 5, 6]]}"""), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("instances[1]", (await Json.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public void ATokenizerVocabularyOfTheWrongSize_RefusesToLoad()
    {
        string weights = Save(Vocabulary.Length - 1, "short");
        var e = Assert.Throws<InvalidDataException>(() => LoadedModel.Load(weights, Device.Cpu));
        Assert.Contains("10 tokens", e.Message);
        Assert.Contains("11 rows", e.Message);
    }
}
