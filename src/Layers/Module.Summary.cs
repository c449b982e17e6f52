using System.Globalization;
using System.Text;
using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Layers;

public abstract partial class Module
{
    /// <summary>The type description shown in summaries and in Sequential's errors, e.g. "Dense(784→64)".</summary>
    internal string Description => Describe();

    /// <summary>Short type description for the summary, e.g. "Dense(784→64)".</summary>
    protected virtual string Describe() => GetType().Name;

    /// <summary>
    /// A Keras-style table of the layers (<c>model.summary()</c>): name, type, parameter count
    /// including every descendant's, and — with <paramref name="inputShape"/> (batch dim included,
    /// e.g. [1, 1, 28, 28]) — each direct child's output shape for that input, taken from one
    /// forward pass in eval mode without gradients (only a Sequential's children see their own
    /// input; other children show their own output shape when it is the model's input to them).
    /// Totals split trainable (requires grad) from frozen parameters and buffers.
    /// </summary>
    public string Summary(int[]? inputShape = null)
    {
        var outputs = inputShape is null ? null : OutputShapes(inputShape);
        var rows = new List<string[]>();
        AppendRows(rows, "", this, outputs);
        string[] header = ["Layer", "Type", "Output shape", "Params"];
        var widths = Enumerable.Range(0, 4).Select(c => rows.Select(r => r[c].Length).Append(header[c].Length).Max()).ToArray();
        var sb = new StringBuilder();
        sb.AppendLine(Describe());
        string Line(string[] r) => $"{r[0].PadRight(widths[0])}  {r[1].PadRight(widths[1])}  {r[2].PadRight(widths[2])}  {r[3].PadLeft(widths[3])}".TrimEnd();
        sb.AppendLine(Line(header));
        int width = widths.Sum() + 6;
        sb.AppendLine(new string('=', width));
        foreach (var r in rows) sb.AppendLine(Line(r));
        sb.AppendLine(new string('=', width));
        var all = NamedSlots("").Where(s => s.Slot.Trainable).Select(s => s.Slot.Tensor).ToList();
        long total = all.Sum(p => p.Size), trainable = all.Where(p => p.RequiresGrad).Sum(p => p.Size);
        long buffers = NamedBuffers().Sum(b => b.Tensor.Size);
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Total params: {total:N0}"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Trainable params: {trainable:N0}"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Frozen params: {total - trainable:N0}"));
        if (buffers > 0) sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Non-trainable buffers: {buffers:N0}"));
        if (inputShape is not null) sb.AppendLine($"Input shape: {ShapeText(inputShape)}");
        return sb.ToString();
    }

    /// <summary>The summary table without output shapes (<see cref="Summary"/>).</summary>
    public override string ToString() => Summary();

    /// <summary>Output shape of each direct child of a Sequential (and of the model itself, keyed ""), from one forward pass.</summary>
    private Dictionary<Module, int[]> OutputShapes(int[] inputShape)
    {
        var shapes = new Dictionary<Module, int[]>(ReferenceEqualityComparer.Instance);
        bool wasTraining = IsTraining;
        Eval();
        try
        {
            using var noGrad = GradMode.NoGrad();
            using var scope = new DisposeScope();
            var x = Tensor.Zeros(inputShape, Device);
            if (this is Sequential sequential)
                for (int i = 0; i < sequential.Count; i++)
                {
                    x = sequential[i].Forward(x);
                    shapes[sequential[i]] = x.Shape.ToArray();
                }
            else
                x = Forward(x);
            shapes[this] = x.Shape.ToArray();
        }
        finally
        {
            Train(wasTraining);
        }
        return shapes;
    }

    private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static void AppendRows(List<string[]> rows, string prefix, Module module, Dictionary<Module, int[]>? outputs)
    {
        foreach (var (name, child) in module._children)
        {
            long count = child.NamedSlots("").Where(s => s.Slot.Trainable).Sum(s => s.Slot.Tensor.Size);
            string shape = outputs is not null && outputs.TryGetValue(child, out var s) ? ShapeText(s) : "";
            rows.Add([prefix + name, child.Describe(), shape, count.ToString("N0", CultureInfo.InvariantCulture)]);
            AppendRows(rows, prefix + name + ".", child, outputs);
        }
    }
}
