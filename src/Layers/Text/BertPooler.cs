using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>BERT's pooler: tanh(dense(hidden[:, 0])). hidden: [N, S, H] → [N, H]. Child: dense.</summary>
public sealed class BertPooler : Module
{
    public BertPooler(BertConfig config, Generator? generator = null) =>
        Dense = RegisterModule("dense", new Dense(config.HiddenSize, config.HiddenSize, generator: generator, activation: Activation.Tanh));

    /// <summary>The projection with its tanh.</summary>
    public Dense Dense { get; }

    public override Tensor Forward(Tensor input) => DisposeScope.Run(() => Dense.Call(input.Select(1, 0)));
}
