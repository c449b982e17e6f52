using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>
/// BERT's post-norm residual (Hugging Face's BertSelfOutput and BertOutput):
/// LayerNorm(dropout(dense(x)) + residual). x: [N, S, in], residual: [N, S, out] → [N, S, out].
/// Children: dense, LayerNorm.
/// </summary>
public sealed class BertAddNorm : Module
{
    private readonly Dense _dense;
    private readonly LayerNorm _norm;
    private readonly Dropout _dropout;

    public BertAddNorm(int inFeatures, BertConfig config, Generator? generator = null)
    {
        _dense = RegisterModule("dense", new Dense(inFeatures, config.HiddenSize, generator: generator));
        _norm = RegisterModule("LayerNorm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        _dropout = RegisterModule("dropout", new Dropout(config.HiddenDropoutProb, generator));
    }

    /// <summary>Without a residual: LayerNorm(dropout(dense(x))).</summary>
    public override Tensor Forward(Tensor input) => DisposeScope.Run(() => _norm.Call(_dropout.Call(_dense.Call(input))));

    public Tensor Forward(Tensor input, Tensor residual) =>
        DisposeScope.Run(() => _norm.Call(_dropout.Call(_dense.Call(input)) + residual));
}
