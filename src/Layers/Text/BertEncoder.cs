using DeepNet.Tensors;

namespace DeepNet.Layers.Text;

/// <summary>The stack of <see cref="BertLayer"/>s, children layer.0, layer.1, ... (Hugging Face's BertEncoder).</summary>
public sealed class BertEncoder : Module
{
    private readonly Sequential _layers;

    public BertEncoder(BertConfig config, Generator? generator = null)
    {
        _layers = RegisterModule("layer", new Sequential());
        for (int i = 0; i < config.NumHiddenLayers; i++) _layers.Add(new BertLayer(config, generator));
    }

    /// <summary>Layer <paramref name="index"/>.</summary>
    public BertLayer this[int index] => (BertLayer)_layers[index];

    public int Count => _layers.Count;

    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>hidden: [N, S, H], additiveMask: [N, 1, 1, S] or null → [N, S, H].</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask) => DisposeScope.Run(() =>
    {
        var x = hidden;
        for (int i = 0; i < Count; i++) x = this[i].Forward(x, additiveMask);
        return x;
    });
}
