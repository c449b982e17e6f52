using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>Self-attention and its add-and-norm (Hugging Face's BertAttention): children self, output.</summary>
public sealed class BertAttention : Module
{
    private readonly BertSelfAttention _self;
    private readonly BertAddNorm _output;

    public BertAttention(BertConfig config, Generator? generator = null)
    {
        _self = RegisterModule("self", new BertSelfAttention(config, generator));
        _output = RegisterModule("output", new BertAddNorm(config.HiddenSize, config, generator));
    }

    public override Tensor Forward(Tensor input) => Forward(input, null);

    public Tensor Forward(Tensor hidden, Tensor? additiveMask) => DisposeScope.Run(() => _output.Forward(_self.Forward(hidden, additiveMask), hidden));
}
