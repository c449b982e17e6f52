using System.Text.Json;
using DeepNet.Layers.Text;
using Microsoft.ML.Tokenizers;

namespace DeepNet.Serving;

/// <summary>
/// Text in for a BERT classifier: the settings its training saved beside the weights
/// (<c>NAME.tokenizer.json</c>: kind "bert-wordpiece", vocab file, lowercase, max_length) and
/// Microsoft.ML.Tokenizers' BertTokenizer over that vocabulary. A text becomes [CLS] + its first
/// max_length − 2 word pieces + [SEP], padded with [PAD]: the ids the model was trained on.
/// </summary>
public sealed class TextEncoder
{
    private readonly BertTokenizer _tokenizer;

    private TextEncoder(BertTokenizer tokenizer, int maxLength, int vocabularySize)
    {
        _tokenizer = tokenizer;
        MaxLength = maxLength;
        VocabularySize = vocabularySize;
    }

    /// <summary>Word pieces per instance, [CLS] and [SEP] included (the model's input_shape).</summary>
    public int MaxLength { get; }

    public int VocabularySize { get; }

    /// <summary>The tokenizer settings beside <paramref name="weightsPath"/>, or null when the model takes numbers.</summary>
    public static string SettingsPath(string weightsPath) => Path.ChangeExtension(weightsPath, ".tokenizer.json");

    /// <summary>Reads the settings at <paramref name="path"/>; errors name the file.</summary>
    public static TextEncoder Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            string kind = root.GetProperty("kind").GetString() ?? "";
            if (kind != "bert-wordpiece") throw new InvalidDataException($"kind '{kind}' is not 'bert-wordpiece'");
            string vocab = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, root.GetProperty("vocab").GetString()!);
            bool lower = root.TryGetProperty("do_lower_case", out var l) && l.GetBoolean();
            int maxLength = root.GetProperty("max_length").GetInt32();
            if (maxLength < 2) throw new InvalidDataException($"max_length {maxLength} leaves no room for [CLS] and [SEP]");
            var tokenizer = BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = lower });
            return new TextEncoder(tokenizer, maxLength, File.ReadLines(vocab).Count());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"tokenizer settings '{path}': {e.Message}", e);
        }
    }

    /// <summary>Checks the settings against the loaded model: input length and vocabulary size.</summary>
    public void CheckFits(LoadedModel model, string path)
    {
        if (model.Architecture.InputShape is not [int length] || length != MaxLength)
            throw new InvalidDataException($"tokenizer settings '{path}': max_length {MaxLength} but the model's input_shape is [{string.Join(", ", model.Architecture.InputShape)}]");
        if (model.Model.Count == 1 && model.Model[0] is BertForSequenceClassification bert)
            bert.Bert.CheckVocabulary(VocabularySize, path);
    }

    /// <summary>Writes the ids of <paramref name="text"/> into <paramref name="destination"/> ([MaxLength] floats).</summary>
    public void Encode(string text, Span<float> destination)
    {
        var pieces = _tokenizer.EncodeToIds(text, addSpecialTokens: false, considerPreTokenization: true);
        destination.Fill(_tokenizer.PaddingTokenId);
        destination[0] = _tokenizer.ClassificationTokenId;
        int count = Math.Min(pieces.Count, MaxLength - 2);
        for (int i = 0; i < count; i++) destination[i + 1] = pieces[i];
        destination[count + 1] = _tokenizer.SeparatorTokenId;
    }
}
