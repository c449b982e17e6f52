using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// A stack of encoder layers, as torch.nn.TransformerEncoder: each layer's output feeds the next,
/// then an optional final norm (usual with pre-norm layers). Children: layers.0, layers.1, ..., norm.
/// src: [S, N, E] ([N, S, E] when the layers are batch-first), shape unchanged.
/// </summary>
public sealed class TransformerEncoder : Module
{
    private readonly Sequential _layers;
    private readonly Module? _norm;

    /// <summary>Builds <paramref name="numLayers"/> independent layers with <paramref name="layerFactory"/> (each has its own weights).</summary>
    public TransformerEncoder(Func<TransformerEncoderLayer> layerFactory, int numLayers, Module? norm = null)
    {
        if (numLayers < 1) throw new ArgumentException($"transformer_encoder: num_layers must be positive, got {numLayers}");
        _layers = RegisterModule("layers", new Sequential());
        for (int i = 0; i < numLayers; i++) _layers.Add(layerFactory());
        if (norm is not null) _norm = RegisterModule("norm", norm);
    }

    public int NumLayers => _layers.Count;

    public TransformerEncoderLayer this[int index] => (TransformerEncoderLayer)_layers[index];

    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>Runs every layer with the same masks (see <see cref="TransformerEncoderLayer.Forward(Tensor, AttentionMask?, AttentionMask?)"/>).</summary>
    public Tensor Forward(Tensor src, AttentionMask? mask, AttentionMask? srcKeyPaddingMask) => DisposeScope.Run(() =>
    {
        var x = src;
        for (int i = 0; i < NumLayers; i++)
        {
            var next = this[i].Forward(x, mask, srcKeyPaddingMask);
            if (!ReferenceEquals(x, src)) x.Dispose();   // inference holds two layers' outputs, not all; the graph keeps what backward needs
            x = next;
        }
        return _norm is null ? x : _norm.Call(x);
    });
}
