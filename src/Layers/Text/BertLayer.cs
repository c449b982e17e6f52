using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>
/// One post-norm BERT encoder layer: a = LN(x + Wo·attention(x)); y = LN(a + W2·gelu(W1·a)), GELU
/// exact (erf). hidden: [N, S, H] → [N, S, H]. Hugging Face's names: attention.self.{query,key,value},
/// attention.output.{dense,LayerNorm}, intermediate.dense, output.{dense,LayerNorm}.
/// </summary>
public sealed class BertLayer : Module
{
    private readonly BertAttention _attention;
    private readonly BertIntermediate _intermediate;
    private readonly BertAddNorm _output;

    public BertLayer(BertConfig config, Generator? generator = null)
    {
        _attention = RegisterModule("attention", new BertAttention(config, generator));
        _intermediate = RegisterModule("intermediate", new BertIntermediate(config, generator));
        _output = RegisterModule("output", new BertAddNorm(config.IntermediateSize, config, generator));
    }

    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>additiveMask: [N, 1, 1, S] (0 attended, −10000 padding), or null.</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask) => DisposeScope.Run(() =>
    {
        var attended = _attention.Forward(hidden, additiveMask);
        return _output.Forward(_intermediate.Call(attended), attended);
    });
}
