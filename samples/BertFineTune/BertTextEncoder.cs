using System.Text.Json;
using DeepNet.Training;
using Microsoft.ML.Tokenizers;

/// <summary>
/// Text → fixed-length BERT ids: Microsoft.ML.Tokenizers' BertTokenizer (uncased WordPiece) fed the
/// model's vocab.txt, cut to maxLength − 2 word pieces, wrapped in [CLS] … [SEP], padded with [PAD].
/// Its settings are saved beside the model (tokenizer.json) so a server tokenizes the same way.
/// </summary>
internal sealed class BertTextEncoder(BertTokenizer tokenizer, int maxLength)
{
    /// <summary>Characters handed to the tokenizer per text: far more than maxLength word pieces need.</summary>
    private const int MaxChars = 4000;

    public int MaxLength { get; } = maxLength;

    public static BertTextEncoder Create(string vocabPath, int maxLength) =>
        new(BertTokenizer.Create(vocabPath, new BertOptions { LowerCaseBeforeTokenization = true }), maxLength);

    /// <summary>The Int64 ids of one text, [MaxLength] (the embedding's id type, as torch).</summary>
    public long[] Encode(string text)
    {
        var pieces = tokenizer.EncodeToIds(text.Length > MaxChars ? text[..MaxChars] : text, addSpecialTokens: false, considerPreTokenization: true);
        var ids = new long[MaxLength];
        Array.Fill(ids, (long)tokenizer.PaddingTokenId);
        ids[0] = tokenizer.ClassificationTokenId;
        int count = Math.Min(pieces.Count, MaxLength - 2);
        for (int i = 0; i < count; i++) ids[i + 1] = pieces[i];
        ids[count + 1] = tokenizer.SeparatorTokenId;
        return ids;
    }

    /// <summary>A labelled dataset of [MaxLength] id rows.</summary>
    public Dataset Encode(IReadOnlyList<string> texts, IReadOnlyList<int> labels)
    {
        var ids = new long[texts.Count * MaxLength];
        Parallel.For(0, texts.Count, i => Encode(texts[i]).CopyTo(ids, i * MaxLength));
        return new Dataset(ids, [MaxLength], labels.Select(l => (long)l).ToArray());
    }

    /// <summary>Writes tokenizer.json: what a server needs to tokenize as training did.</summary>
    public void Save(string path, string[] labels) => File.WriteAllText(path, JsonSerializer.Serialize(new
    {
        kind = "bert-wordpiece",
        vocab = "vocab.txt",
        do_lower_case = true,
        max_length = MaxLength,
        labels,
    }, new JsonSerializerOptions { WriteIndented = true }));
}
