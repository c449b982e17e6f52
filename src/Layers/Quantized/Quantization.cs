using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Layers.Quantized;

/// <summary>
/// Post-training int8 quantization (torch.ao.quantization's prepare → calibrate → convert in one call).
/// </summary>
public static class Quantization
{
    /// <summary>
    /// Replaces every <see cref="Dense"/> and <see cref="Conv2D"/> (groups 1) in <paramref name="model"/>
    /// — in Sequentials and nested modules — by <see cref="QuantizedDense"/> / <see cref="QuantizedConv2D"/>,
    /// in place, and returns the model (in eval mode). Other layers stay float. Static mode (default)
    /// first runs <paramref name="calibrationBatches"/> through the float model, recording each
    /// quantized layer's input min/max; dynamic mode needs no data. The replaced float layers are
    /// disposed. Composites must call children through <c>Child(name)</c> for the swap to take effect
    /// (the built-in ones do).
    /// </summary>
    public static Module Quantize(Module model, IEnumerable<Tensor>? calibrationBatches, QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new QuantizationOptions();
        if (model is Dense or Conv2D)
            throw new ArgumentException("quantize: the model is a single Dense/Conv2D layer; wrap it in a Sequential or use QuantizedDense.FromFloat / QuantizedConv2D.FromFloat");
        var targets = Targets(model, "", options).ToList();
        // Embeddings need no activation range (weight only): calibration observes the others.
        var observed = targets.Where(t => t.Layer is not Embedding).ToList();
        if (targets.Count == 0)
            throw new ArgumentException($"quantize: {model.GetType().Name} holds no Dense or Conv2D layer (groups 1) to quantize");
        if (model is Embedding) throw new ArgumentException("quantize: the model is a single Embedding; use QuantizedEmbedding.FromFloat");
        model.Eval();
        Dictionary<Module, RangeObserver> ranges = [];
        if (!options.Dynamic)
        {
            if (calibrationBatches is null)
                throw new ArgumentException("quantize: static quantization needs calibration batches (or QuantizationOptions { Dynamic = true })");
            ranges = Calibrate(model, observed, calibrationBatches);
        }
        foreach (var (parent, name, layer) in targets)
        {
            QuantizationParams? qp = options.Dynamic || layer is Embedding ? null : ranges[layer].Params(name);
            string? relu = options.FuseRelu ? FusibleRelu(parent, layer) : null;
            // A Transformer block's feed-forward ReLU runs in linear1's int8 epilogue (the block then skips it).
            bool feedForwardRelu = options.FuseRelu && parent is TransformerEncoderLayer { Activation: Activation.Relu } && name == "linear1"
                && layer is Dense { Activation: Activation.Identity };
            if (layer is MultiHeadAttention attention)
            {
                attention.QuantizeInProjection(qp, options.AttentionProducts);   // in place: its Dense out_proj is a target of its own
                continue;
            }
            Module quantized = layer switch
            {
                Dense d => new QuantizedDense(QuantizedWeight.Quantize(d.Weight), d.Bias, relu is null && !feedForwardRelu ? d.Activation : Activation.Relu, qp),
                Conv2D c => QuantizedConv2D.FromFloat(c, qp, relu is null ? c.Activation : Activation.Relu),
                Embedding e => QuantizedEmbedding.FromFloat(e),
                _ => throw new InvalidOperationException($"quantize: unexpected layer {layer.GetType().Name}"),
            };
            quantized.To(layer.Device);
            parent.ReplaceChild(name, quantized).Dispose();
            if (relu is not null) parent.ReplaceChild(relu, new Identity()).Dispose();
        }
        return model;
    }

    /// <summary>The name of the Relu right after <paramref name="layer"/> in a Sequential, when the layer has no activation of its own.</summary>
    private static string? FusibleRelu(Module parent, Module layer)
    {
        if (parent is not Sequential || layer is Dense { Activation: not Activation.Identity } || layer is Conv2D { Activation: not Activation.Identity })
            return null;
        var children = parent.NamedChildren().ToList();
        int i = children.FindIndex(c => ReferenceEquals(c.Module, layer));
        return i >= 0 && i + 1 < children.Count && children[i + 1].Module is Relu ? children[i + 1].Name : null;
    }

    /// <summary>(parent, child name, layer) for every Dense/Conv2D to quantize, depth first.</summary>
    private static IEnumerable<(Module Parent, string Name, Module Layer)> Targets(Module module, string prefix, QuantizationOptions options)
    {
        foreach (var (name, child) in module.NamedChildren().ToList())
        {
            string path = prefix + name;
            bool eligible = child is Dense || child is Conv2D { Groups: 1 } || (options.Embeddings && child is Embedding);
            bool selected = options.Include?.Invoke(path, child) ?? true;
            if (eligible && selected)
            {
                yield return (module, name, child);
                continue;
            }
            if (options.AttentionProjections && child is MultiHeadAttention && selected) yield return (module, name, child);
            foreach (var t in Targets(child, path + ".", options)) yield return t;
        }
    }

    private static Dictionary<Module, RangeObserver> Calibrate(Module model, List<(Module Parent, string Name, Module Layer)> targets,
        IEnumerable<Tensor> batches)
    {
        var ranges = targets.ToDictionary(t => t.Layer, t => new RangeObserver(t.Name));
        var hooks = targets.Where(t => t.Layer is not MultiHeadAttention).Select(t => t.Layer.RegisterForwardPreHook((layer, x) =>
        {
            ranges[layer].Observe(x);
            return null;
        })).ToList();
        // Attention is called through Forward(q, k, v), not Call: it reports its projection inputs itself.
        var attentions = targets.Select(t => t.Layer).OfType<MultiHeadAttention>().ToList();
        foreach (var a in attentions) a.InProjectionObserver = ranges[a].Observe;
        int count = 0;
        try
        {
            using var noGrad = GradMode.NoGrad();
            foreach (var batch in batches)
            {
                using var output = model.Call(batch);
                count++;
            }
        }
        finally
        {
            foreach (var h in hooks) h.Dispose();
            foreach (var a in attentions) a.InProjectionObserver = null;
        }
        if (count == 0)
            throw new ArgumentException("quantize: the calibration data held no batch; pass at least one representative batch (or use Dynamic = true)");
        return ranges;
    }

    /// <summary>Running min/max of one layer's inputs (torch's MinMaxObserver).</summary>
    private sealed class RangeObserver(string name)
    {
        private float _min = float.PositiveInfinity, _max = float.NegativeInfinity;

        public void Observe(Tensor x)
        {
            if (x.Size == 0) return;
            using var range = DisposeScope.Run(() => Tensor.Stack([x.Min(), x.Max()]));
            float[] mm = range.ToArray();
            if (!float.IsFinite(mm[0]) || !float.IsFinite(mm[1]))
                throw new ArgumentException($"quantize: calibration input of layer '{name}' holds NaN or infinity (range [{mm[0]}, {mm[1]}])");
            _min = Math.Min(_min, mm[0]);
            _max = Math.Max(_max, mm[1]);
        }

        public QuantizationParams Params(string layer) => float.IsFinite(_min)
            ? QuantizationParams.FromRange(_min, _max, $"quantize ({layer})")
            : throw new ArgumentException($"quantize: layer '{name}' saw no input during calibration (is it called through Call?)");
    }
}
