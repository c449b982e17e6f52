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

    public Module this[int index] => _layers[index];

    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            var next = layer.Call(x);
            if (!ReferenceEquals(x, input)) x.Dispose();  // intermediate activations: the graph keeps what it needs
            x = next;
        }
        return ReferenceEquals(x, input) ? input.Detach() : x;
    }
}
