using DeepNet.Kernels;
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Serialization.Onnx.Export;

/// <summary>
/// One forward pass of a model recorded under a <see cref="GraphCapture"/>: the input (a leaf alias of
/// the sample), the output with its graph, and every node by the storage and layout of its output, so a
/// detached alias of a node's output (softmax's max, a mask) reads as that node. Module paths are kept
/// for error messages through forward hooks (modules run through Call).
/// </summary>
internal sealed class ExportTrace : IDisposable
{
    private readonly Dictionary<LayoutKey, Function> _producers = [];
    private readonly Dictionary<Function, int> _order = [];

    private ExportTrace(Tensor input, Tensor output, GraphCapture capture)
    {
        Input = input;
        Output = output;
        Capture = capture;
        foreach (var node in capture.Recorded)
        {
            _order[node] = _order.Count;
            if (node.CapturedOutput is { } value) _producers.TryAdd(LayoutKey.Of(value), node);
        }
    }

    public Tensor Input { get; }
    public Tensor Output { get; }
    public GraphCapture Capture { get; }

    /// <summary>
    /// The node recorded before <paramref name="consumer"/> whose output is exactly <paramref name="value"/>'s
    /// storage and layout (the value is a detached alias of it), or null. A later node with that layout is a
    /// view of the constant itself, not its source.
    /// </summary>
    public Function? ProducerOf(Tensor value, Function consumer) =>
        _producers.TryGetValue(LayoutKey.Of(value), out var producer) && _order[producer] < _order[consumer] ? producer : null;

    /// <summary>True when <paramref name="value"/> is (a detached alias of) the traced input.</summary>
    public bool IsInput(Tensor value) => ReferenceEquals(value, Input) || LayoutKey.Of(value) == LayoutKey.Of(Input);

    /// <summary>Runs <paramref name="model"/> (already in eval mode) on <paramref name="sample"/> under a capture.</summary>
    public static ExportTrace Run(Module model, Tensor sample)
    {
        // A float input requires grad so the ops on it record edges to it; integer ids are matched by identity (IsInput).
        var input = sample.DType.IsFloatingPoint() ? sample.Detach().RequiresGradient() : sample.Detach();
        var hooks = new List<HookHandle>();
        var capture = GraphCapture.Begin();
        try
        {
            var scopes = new Stack<string?>();
            foreach (var (path, module) in ModulePaths(model, ""))
            {
                string label = path.Length == 0 ? module.GetType().Name : $"{path} ({module.GetType().Name})";
                hooks.Add(module.RegisterForwardPreHook((_, _) =>
                {
                    scopes.Push(capture.Scope);
                    capture.Scope = label;
                    return null;
                }));
                hooks.Add(module.RegisterForwardHook((_, _, _) =>
                {
                    capture.Scope = scopes.Count > 0 ? scopes.Pop() : null;
                    return null;
                }));
            }
            var output = model.Call(input);
            if (output.GradFn is null || !output.DType.IsFloatingPoint())
                throw new OnnxExportException($"onnx export: the output {output.Shape} of {model.GetType().Name} was not computed by recorded ops from the input");
            return new ExportTrace(input, output, capture);
        }
        catch
        {
            // A failed trace is never read: give back what the capture holds (the recorded nodes' saved tensors).
            capture.Release();
            capture.ReleaseUnlinked();
            input.Dispose();
            throw;
        }
        finally
        {
            capture.Dispose();
            foreach (var hook in hooks) hook.Dispose();
        }
    }

    /// <summary>Every module of the tree with its dotted path ("" for the root).</summary>
    public static IEnumerable<(string Path, Module Module)> ModulePaths(Module module, string path)
    {
        yield return (path, module);
        foreach (var (name, child) in module.NamedChildren())
            foreach (var entry in ModulePaths(child, path.Length == 0 ? name : path + "." + name)) yield return entry;
    }

    public void Dispose()
    {
        Capture.Release();
        Output.Dispose();
        Input.Dispose();
        Capture.ReleaseUnlinked();
    }

    /// <summary>Identity of a tensor's values: its storage object and its layout.</summary>
    internal readonly record struct LayoutKey(DeviceBuffer Storage, int Offset, string Layout)
    {
        public static LayoutKey Of(Tensor t) =>
            new(t.Storage, t.Layout.Offset, string.Join(",", t.ShapeArray) + "/" + string.Join(",", t.Layout.Strides));
    }
}
