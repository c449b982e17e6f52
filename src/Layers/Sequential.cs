using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>Runs its modules in order, each one's output the next one's input; children are named "0", "1", ...</summary>
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
        for (int i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i];
            var next = ForwardLayer(i, layer, x);
            if (!ReferenceEquals(x, input)) x.Dispose();  // intermediate activations: the graph keeps what it needs
            x = next;
        }
        return ReferenceEquals(x, input) ? input.Detach() : x;
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
