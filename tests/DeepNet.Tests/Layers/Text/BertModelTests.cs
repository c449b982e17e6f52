using DeepNet.Layers.Text;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Layers.Text;

public sealed class BertModelTests
{
    private static readonly BertConfig Tiny = new()
    {
        VocabSize = 11, HiddenSize = 4, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 8, MaxPositionEmbeddings = 8,
        HiddenDropoutProb = 0f, AttentionProbsDropoutProb = 0f,
    };

    [Fact]
    public void StateDict_UsesHuggingFacesNames()
    {
        using var model = new BertForSequenceClassification(Tiny with { NumHiddenLayers = 2 }, numLabels: 2, new Generator(1));
        var names = model.StateDict().Keys.ToList();
        Assert.Contains("bert.embeddings.word_embeddings.weight", names);
        Assert.Contains("bert.embeddings.LayerNorm.weight", names);
        Assert.Contains("bert.encoder.layer.1.attention.self.query.weight", names);
        Assert.Contains("bert.encoder.layer.0.attention.output.dense.bias", names);
        Assert.Contains("bert.encoder.layer.1.intermediate.dense.weight", names);
        Assert.Contains("bert.encoder.layer.0.output.LayerNorm.bias", names);
        Assert.Contains("bert.pooler.dense.weight", names);
        Assert.Contains("classifier.weight", names);
    }

    [Fact]
    public void Padding_DoesNotChangeTheRealTokensOutputs()
    {
        using var model = new BertModel(Tiny with { NumHiddenLayers = 2 }, generator: new Generator(2));
        model.Eval();
        using var ids = Tensor.FromArray([3f, 5, 7], [1, 3]);
        using var padded = Tensor.FromArray([3f, 5, 7, 0, 0], [1, 5]);
        using var a = model.Forward(ids);
        using var b = model.Forward(padded);
        TensorAssert.Close(a.ToArray(), b.Narrow(1, 0, 3).ToArray(), abs: 1e-6);
        using var unmasked = model.Run(padded).LastHiddenState;   // no mask: the padding is attended
        Assert.NotEqual(a.ToArray(), unmasked.Narrow(1, 0, 3).Contiguous().ToArray());
    }

    [Fact]
    public void Int64Ids_GiveTheSameOutputsAsFloatIds_AndOtherDTypesAreRefused()
    {
        using var model = new BertForSequenceClassification(Tiny, numLabels: 2, new Generator(4));
        model.Eval();
        using var floats = Tensor.FromArray([1f, 4, 9, 0], [1, 4]);
        using var longs = Tensor.FromArray(new long[] { 1, 4, 9, 0 }, [1, 4]);
        using var a = model.Forward(floats);
        using var b = model.Forward(longs);
        Assert.Equal(a.ToArray(), b.ToArray());
        using var mask = Tensor.FromArray(new long[] { 1, 1, 1, 0 }, [1, 4]);
        using var c = model.Forward(longs, mask, null);
        Assert.Equal(a.ToArray(), c.ToArray());
        using var halves = floats.To(DType.Float16);
        Assert.Contains("Float16", Assert.Throws<ArgumentException>(() => model.Forward(halves)).Message);
    }

    [Fact]
    public void Classifier_Backward_MatchesFiniteDifferences_ForEveryParameter()
    {
        using var model = new BertForSequenceClassification(Tiny, numLabels: 2, new Generator(3));
        using var ids = Tensor.FromArray([1f, 4, 9, 2, 0, 0], [2, 3]);
        ModuleGradCheck.CheckParameters(model, ids);
    }

    [Fact]
    public void BadConfigAndInputs_AreClearErrors()
    {
        Assert.Contains("not a multiple of num_attention_heads", Assert.Throws<ArgumentException>(() => new BertModel(Tiny with { NumAttentionHeads = 3 })).Message);
        using var model = new BertModel(Tiny);
        using var tooLong = Tensor.Zeros([1, 9]);
        Assert.Contains("exceeds max_position_embeddings 8", Assert.Throws<ArgumentException>(() => model.Forward(tooLong)).Message);
        using var outOfVocab = Tensor.FromArray([1f, 11f], [1, 2]);
        Assert.Contains("11", Assert.ThrowsAny<ArgumentException>(() => model.Forward(outOfVocab)).Message);
    }
}
