using System.Text.Json;
using System.Text.Json.Nodes;
using DeepNet.Layers;
using DeepNet.Layers.Text;

namespace DeepNet.Serialization;

/// <summary>
/// Hugging Face BERT checkpoints (save_pretrained's folder: model.safetensors + config.json) in and
/// out by parameter name. <see cref="BertModel"/> and <see cref="BertForSequenceClassification"/>
/// use Hugging Face's names, so a BertModel checkpoint ("embeddings.word_embeddings.weight") or a
/// BertFor* one ("bert.encoder.layer.0.attention.self.query.weight", "classifier.weight") loads
/// directly; old names are read too (LayerNorm gamma/beta), pretraining heads (cls.*) and the
/// position_ids buffer are skipped. Missing, unexpected or wrongly shaped tensors throw naming them,
/// before anything is built.
/// </summary>
public static class HuggingFaceBert
{
    /// <summary>Loads a BertModel from a .safetensors file; the config is read from config.json beside it unless given.</summary>
    public static BertModel LoadModel(string safetensorsPath, BertConfig? config = null)
    {
        var arrays = Read(safetensorsPath, stripBert: true, out bool hasPooler);
        config ??= ReadConfig(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(safetensorsPath))!, "config.json"));
        var model = new BertModel(config, hasPooler);
        return LoadInto(model, arrays, safetensorsPath);
    }

    /// <summary>Loads a BertForSequenceClassification (bert.* and classifier.*); the label count is the classifier's rows.</summary>
    public static BertForSequenceClassification LoadForSequenceClassification(string safetensorsPath, BertConfig? config = null)
    {
        var arrays = Read(safetensorsPath, stripBert: false, out _);
        var classifier = arrays.FirstOrDefault(a => a.Name == "classifier.weight")
            ?? throw new SafeTensorsFormatException($"hugging face bert: '{safetensorsPath}' has no classifier.weight (not a sequence-classification checkpoint)");
        config ??= ReadConfig(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(safetensorsPath))!, "config.json"));
        return LoadInto(new BertForSequenceClassification(config, classifier.Shape[0]), arrays, safetensorsPath);
    }

    /// <summary>
    /// Writes <paramref name="model"/> (a BertModel or BertForSequenceClassification) as
    /// save_pretrained does: <c>model.safetensors</c> under Hugging Face's names and <c>config.json</c>.
    /// </summary>
    public static void Save(Module model, string directory)
    {
        var config = model switch
        {
            BertModel bert => bert.Config,
            BertForSequenceClassification classifier => classifier.Config,
            _ => throw new ArgumentException($"hugging face bert: {model.GetType().Name} is not a BERT model"),
        };
        Directory.CreateDirectory(directory);
        SafeTensorsWriter.Write(Path.Combine(directory, "model.safetensors"), model.ToNamedArrays(), new Dictionary<string, string> { ["format"] = "pt" });
        var json = new JsonObject
        {
            ["model_type"] = "bert",
            ["architectures"] = new JsonArray(model is BertModel ? "BertModel" : "BertForSequenceClassification"),
            ["vocab_size"] = config.VocabSize, ["hidden_size"] = config.HiddenSize, ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads, ["intermediate_size"] = config.IntermediateSize, ["hidden_act"] = "gelu",
            ["max_position_embeddings"] = config.MaxPositionEmbeddings, ["type_vocab_size"] = config.TypeVocabSize,
            ["layer_norm_eps"] = config.LayerNormEps, ["hidden_dropout_prob"] = config.HiddenDropoutProb,
            ["attention_probs_dropout_prob"] = config.AttentionProbsDropoutProb, ["pad_token_id"] = config.PadTokenId,
        };
        AtomicFile.Write(Path.Combine(directory, "config.json"), stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteTo(writer);
        });
    }

    /// <summary>Reads a Hugging Face config.json (BertConfig's keys; absent keys take BertConfig's defaults).</summary>
    public static BertConfig ReadConfig(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"hugging face bert: no config.json at '{path}'; pass a BertConfig", path);
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("not an object"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new SafeTensorsFormatException($"hugging face bert: '{path}' is not a JSON object: {e.Message}", e);
        }
        string act = json["hidden_act"]?.GetValue<string>() ?? "gelu";
        if (act != "gelu") throw new SafeTensorsFormatException($"hugging face bert: '{path}' hidden_act '{act}' is not supported (gelu only)");
        var defaults = new BertConfig();
        int Int(string key, int fallback) => json[key] is JsonValue v ? v.GetValue<int>() : fallback;
        float Float(string key, float fallback) => json[key] is JsonValue v ? (float)v.GetValue<double>() : fallback;
        var config = new BertConfig
        {
            VocabSize = Int("vocab_size", defaults.VocabSize), HiddenSize = Int("hidden_size", defaults.HiddenSize),
            NumHiddenLayers = Int("num_hidden_layers", defaults.NumHiddenLayers), NumAttentionHeads = Int("num_attention_heads", defaults.NumAttentionHeads),
            IntermediateSize = Int("intermediate_size", defaults.IntermediateSize), MaxPositionEmbeddings = Int("max_position_embeddings", defaults.MaxPositionEmbeddings),
            TypeVocabSize = Int("type_vocab_size", defaults.TypeVocabSize), LayerNormEps = Float("layer_norm_eps", defaults.LayerNormEps),
            HiddenDropoutProb = Float("hidden_dropout_prob", defaults.HiddenDropoutProb),
            AttentionProbsDropoutProb = Float("attention_probs_dropout_prob", defaults.AttentionProbsDropoutProb),
            PadTokenId = Int("pad_token_id", defaults.PadTokenId),
        };
        config.Validate();
        return config;
    }

    // The file's arrays under this library's names: old LayerNorm names mapped, pretraining heads dropped.
    private static List<NamedArray> Read(string path, bool stripBert, out bool hasPooler)
    {
        var renamed = new List<NamedArray>();
        foreach (var array in SafeTensorsReader.Read(path).Arrays)
        {
            string name = array.Name;
            if (name.StartsWith("cls.", StringComparison.Ordinal) || name.EndsWith("embeddings.position_ids", StringComparison.Ordinal)) continue;
            if (stripBert && name.StartsWith("bert.", StringComparison.Ordinal)) name = name["bert.".Length..];
            if (name.Contains("LayerNorm.", StringComparison.Ordinal))
                name = name.Replace("LayerNorm.gamma", "LayerNorm.weight", StringComparison.Ordinal).Replace("LayerNorm.beta", "LayerNorm.bias", StringComparison.Ordinal);
            renamed.Add(array with { Name = name });
        }
        hasPooler = renamed.Any(a => a.Name.StartsWith("pooler.", StringComparison.Ordinal));
        return renamed;
    }

    private static T LoadInto<T>(T model, List<NamedArray> arrays, string path) where T : Module
    {
        try
        {
            model.LoadNamedArrays(arrays, strict: true);
            model.Eval();
            return model;
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new SafeTensorsFormatException($"hugging face bert: '{path}' does not fit the model: {e.Message}", e);
        }
    }
}
