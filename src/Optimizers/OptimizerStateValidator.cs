using DeepNet.Serialization;
using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>Checks an <see cref="OptimizerState"/> against an optimizer's parameters before any of it is loaded.</summary>
internal static class OptimizerStateValidator
{
    /// <summary>Per parameter name: its step count and slot arrays; throws ArgumentException naming the first bad key.</summary>
    public static Dictionary<string, (long Step, List<(string Slot, NamedArray Data)> Slots)> Validate(
        string optimizer, OptimizerState state, IReadOnlyDictionary<string, ParameterState> parameters, IReadOnlyList<string> slots)
    {
        string op = optimizer + ".LoadStateDict";
        if (state.Step < 0)
            throw new ArgumentException($"{op}: step count {state.Step} is negative");
        var plan = new Dictionary<string, (long Step, List<(string Slot, NamedArray Data)> Slots)>(StringComparer.Ordinal);
        foreach (var (name, step) in state.ParameterSteps)
        {
            if (!parameters.ContainsKey(name))
                throw new ArgumentException($"{op}: state for unknown parameter '{name}' (parameters: {string.Join(", ", parameters.Keys)})");
            if (step < 0)
                throw new ArgumentException($"{op}: parameter '{name}' has a negative step count {step}");
            plan[name] = (step, []);
        }

        foreach (NamedArray array in state.Arrays)
        {
            var (parameter, slot) = Split(op, array.Name, parameters, slots);
            if (!plan.TryGetValue(parameter.Name, out var entry))
                throw new ArgumentException($"{op}: array '{array.Name}' belongs to parameter '{parameter.Name}', which has no step count in the state");
            if (!array.Shape.AsSpan().SequenceEqual(parameter.Parameter.Shape.ToArray()) || array.Values.Length != parameter.Parameter.Size)
                throw new ArgumentException($"{op}: '{array.Name}' has shape {array.ShapeText} but parameter '{parameter.Name}' has shape {parameter.Parameter.Shape}");
            if (entry.Slots.Any(s => s.Slot == slot))
                throw new ArgumentException($"{op}: '{array.Name}' appears twice");
            if (!array.DType.IsFloatingPoint())
                throw new ArgumentException($"{op}: '{array.Name}' holds {array.DType}; optimizer state is floating point");
            entry.Slots.Add((slot, array));
        }

        foreach (var (name, entry) in plan)
        {
            var missing = slots.Where(s => entry.Step > 0 && entry.Slots.All(e => e.Slot != s)).ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"{op}: parameter '{name}' has taken {entry.Step} steps but the state lacks {string.Join(", ", missing.Select(m => $"'{name}.{m}'"))}");
        }

        return plan;
    }

    // Parameter names may contain dots ("fc1.weight"), so match the slot suffix.
    private static (ParameterState Parameter, string Slot) Split(
        string op, string key, IReadOnlyDictionary<string, ParameterState> parameters, IReadOnlyList<string> slots)
    {
        foreach (string slot in slots)
        {
            string suffix = "." + slot;
            if (key.EndsWith(suffix, StringComparison.Ordinal) && parameters.TryGetValue(key[..^suffix.Length], out var parameter))
                return (parameter, slot);
        }

        throw new ArgumentException($"{op}: unexpected key '{key}' (expected '<parameter>.<slot>' with slot one of: {string.Join(", ", slots)})");
    }
}
