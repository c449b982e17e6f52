using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;

namespace DeepNet.Tests.Layers;

/// <summary>
/// Gradchecks a module with respect to its input and its parameters: the parameters' current
/// values become extra GradCheck inputs, and each evaluation puts the check's tensors into the
/// module's slots, so the gradients the module produces for its own weights are the ones checked.
/// </summary>
public static class ModuleGradCheck
{
    /// <summary>Checks d module(x) / d x and d module(x) / d every trainable parameter.</summary>
    public static void Check(Module module, (float[] Data, int[] Shape) input) =>
        Check(module, input, x => module.Forward(x));

    /// <summary>Checks <paramref name="f"/> (which calls <paramref name="module"/>) for the input and every parameter.</summary>
    public static void Check(Module module, (float[] Data, int[] Shape) input, Func<Tensor, Tensor> f)
    {
        var slots = Slots(module);
        var inputs = new[] { input }.Concat(slots.Select(Current)).ToArray();
        GradCheck.Check(t =>
        {
            Assign(slots, t.Skip(1));
            return f(t[0]);
        }, inputs);
    }

    /// <summary>Checks the parameters only, for a fixed (non-differentiable) input such as class ids.</summary>
    public static void CheckParameters(Module module, Tensor fixedInput)
    {
        var slots = Slots(module);
        GradCheck.Check(t =>
        {
            Assign(slots, t);
            return module.Forward(fixedInput);
        }, slots.Select(Current).ToArray());
    }

    private static Parameter[] Slots(Module module) =>
        module.NamedSlots("").Where(s => s.Slot.Trainable).Select(s => s.Slot).ToArray();

    private static (float[] Data, int[] Shape) Current(Parameter slot) => (slot.Value.ToArray(), slot.Value.Shape.ToArray());

    private static void Assign(Parameter[] slots, IEnumerable<Tensor> values)
    {
        foreach (var (slot, value) in slots.Zip(values)) slot.Value = value;
    }
}
