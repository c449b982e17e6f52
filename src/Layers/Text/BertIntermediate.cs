using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>The feed-forward expansion gelu(dense(x)) (Hugging Face's BertIntermediate): [N, S, H] → [N, S, intermediate].</summary>
public sealed class BertIntermediate : Module
{
    private readonly Dense _dense;

    public BertIntermediate(BertConfig config, Generator? generator = null) =>
        _dense = RegisterModule("dense", new Dense(config.HiddenSize, config.IntermediateSize, generator: generator, activation: Activation.Gelu));

    public override Tensor Forward(Tensor input) => _dense.Call(input);
}
