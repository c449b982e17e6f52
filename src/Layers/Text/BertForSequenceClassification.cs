using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>
/// BERT with a classification head (Hugging Face's BertForSequenceClassification):
/// logits = classifier(dropout(pooler_output)). ids: [N, S] → [N, labels]. Children: bert, classifier,
/// so a Hugging Face checkpoint's bert.* and classifier.* load by name.
/// </summary>
public sealed class BertForSequenceClassification : Module
{
    private readonly Dropout _dropout;
    private readonly Dense _classifier;

    public BertForSequenceClassification(BertConfig config, int numLabels, Generator? generator = null)
        : this(new BertModel(config, addPoolingLayer: true, generator), numLabels, generator)
    {
    }

    /// <summary>Puts a new head on <paramref name="bert"/> (e.g. an imported pretrained model), which this module now owns.</summary>
    public BertForSequenceClassification(BertModel bert, int numLabels, Generator? generator = null)
    {
        if (!bert.HasPooler) throw new ArgumentException("bert_for_sequence_classification: the BERT model needs its pooler");
        if (numLabels < 1) throw new ArgumentException($"bert_for_sequence_classification: num_labels must be positive, got {numLabels}");
        NumLabels = numLabels;
        Bert = RegisterModule("bert", bert);
        _dropout = RegisterModule("dropout", new Dropout(bert.Config.HiddenDropoutProb, generator));
        _classifier = RegisterModule("classifier", new Dense(bert.Config.HiddenSize, numLabels, generator: generator));
    }

    public BertModel Bert { get; }

    public int NumLabels { get; }

    public BertConfig Config => Bert.Config;

    /// <summary>ids: [N, S] → logits [N, labels], attending to the tokens that are not the pad id.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, BertModel.PaddingMask(input, Config.PadTokenId), null);

    /// <summary>attentionMask: [N, S] 1/0 (null: all attended), tokenTypeIds: [N, S] (null: 0) → [N, labels].</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds) => DisposeScope.Run(() =>
    {
        using var output = Bert.Run(inputIds, attentionMask, tokenTypeIds);
        return _classifier.Call(_dropout.Call(output.PoolerOutput!));
    });

    protected override string Describe() => $"BertForSequenceClassification({NumLabels} labels)";
}
