using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Runs its modules in order, each one's output the next one's input; children are named "0", "1", ...
/// A Relu is fused with its hook-free neighbour (same values and gradients): after a Conv2D or Dense it runs
/// in their epilogue, before a MaxPool2D on the pooled values.
/// </summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    public Sequential(params Module[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends a module.</summary>
    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    public int Count => _layers.Count;

    private protected override void OnChildReplaced(int index, Module old, Module replacement) => _layers[index] = replacement;

    public Module this[int index] => _layers[index];

    public override Tensor Forward(Tensor input)
    {
        var x = input;
        // An export traces each layer's own ops, so only eager runs fuse.
        bool fuse = !GraphCapture.IsActive;
        for (int i = 0; i < _layers.Count; i++)
        {
            var fusion = fuse ? FusionAt(i) : Fusion.None;
            var next = fusion == Fusion.None ? ForwardLayer(i, _layers[i], x) : ForwardFused(i, fusion, x);
            if (!ReferenceEquals(x, input)) x.Dispose();  // intermediate activations: the graph keeps what it needs
            x = next;
            if (fusion != Fusion.None) i++;   // the Relu (or the pool) ran too
        }
        return ReferenceEquals(x, input) ? input.Detach() : x;
    }

    private enum Fusion { None, PoolThenRelu, ReluEpilogue }

    /// <summary>
    /// A Relu and its neighbour run as one, when neither has hooks: Relu → MaxPool2D as max-pool then ReLU of
    /// the pooled values (max is monotone, so maxpool(relu(x)) = relu(maxpool(x)), gradients included: both are
    /// zero wherever the window's maximum is ≤ 0), which leaves a quarter of the elements to the ReLU forward and
    /// backward; a Conv2D or Dense without an activation followed by a Relu (and no pool) takes it into its epilogue.
    /// </summary>
    private Fusion FusionAt(int i)
    {
        if (i + 1 >= _layers.Count || _layers[i].HasHooks || _layers[i + 1].HasHooks) return Fusion.None;
        var (layer, next) = (_layers[i], _layers[i + 1]);
        if (layer is Relu && next is MaxPool2D) return Fusion.PoolThenRelu;
        if (next is not Relu) return Fusion.None;
        if (layer is Dense { Activation: Activation.Identity }) return Fusion.ReluEpilogue;
        bool poolAfter = i + 2 < _layers.Count && _layers[i + 2] is MaxPool2D { HasHooks: false };
        return layer is Conv2D { Activation: Activation.Identity } && !poolAfter ? Fusion.ReluEpilogue : Fusion.None;
    }

    private Tensor ForwardFused(int i, Fusion fusion, Tensor x)
    {
        var layer = _layers[i];
        try
        {
            if (fusion == Fusion.PoolThenRelu)
            {
                using var pooled = _layers[i + 1].Forward(x);
                return pooled.Relu();
            }
            return layer is Conv2D conv ? conv.Forward(x, Activation.Relu) : ((Dense)layer).Forward(x, Activation.Relu);
        }
        catch (ArgumentException e) when (e.GetType() == typeof(ArgumentException))
        {
            int at = fusion == Fusion.PoolThenRelu ? i + 1 : i;
            throw new ArgumentException($"sequential: layer {at} ({_layers[at].Description}) failed on input of shape {x.Shape}: {e.Message}", e);
        }
    }

    /// <summary>Runs one layer; a plain argument error (a shape mismatch) is rethrown naming the layer's index, type and input shape.</summary>
    private static Tensor ForwardLayer(int index, Module layer, Tensor x)
    {
        try
        {
            return layer.Call(x);   // Call: the layer's forward hooks run
        }
        catch (ArgumentException e) when (e.GetType() == typeof(ArgumentException))
        {
            throw new ArgumentException($"sequential: layer {index} ({layer.Description}) failed on input of shape {x.Shape}: {e.Message}", e);
        }
    }
}
