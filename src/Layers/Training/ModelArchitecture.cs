using System.Reflection;
using Module = DeepNet.Layers.Module;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>
/// Writes a JSON description of a model next to its weights, for programs that load it later
/// (a server, a notebook): format tag, input shape, class names, weights file, and per layer its
/// dotted name, type, settings (the layer's public int/float/bool/(H, W) properties in
/// snake_case, e.g. "out_channels", "kernel_size": [3, 3]), parameter count and output shape
/// for one sample. Example layer: <c>{"name": "0", "type": "Conv2D", "in_channels": 1,
/// "out_channels": 32, "kernel_size": [3, 3], ..., "params": 320, "output_shape": [32, 26, 26]}</c>.
/// </summary>
public static partial class ModelArchitecture
{
    /// <summary>The value of the "format" field.</summary>
    public const string Format = "deepnet-architecture/1";

    /// <summary>
    /// Describes <paramref name="model"/> (its direct children, in order) for inputs of shape
    /// <paramref name="inputShape"/> (one sample, without the batch dim) and writes it to
    /// <paramref name="path"/>. Output shapes come from running one zero sample through the model.
    /// </summary>
    public static void Write(string path, Module model, int[] inputShape, IReadOnlyList<string>? classNames = null,
        string? weightsFile = null, string? name = null)
    {
        string json = Describe(model, inputShape, classNames, weightsFile, name);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The JSON text <see cref="Write"/> stores.</summary>
    public static string Describe(Module model, int[] inputShape, IReadOnlyList<string>? classNames = null,
        string? weightsFile = null, string? name = null)
    {
        var layers = new List<Dictionary<string, object?>>();
        bool wasTraining = model.IsTraining;
        model.Eval();
        using (var scope = new DisposeScope())
        using (Autograd.Autograd.NoGrad())
        {
            var x = Tensor.Zeros([1, .. inputShape], model.Device);
            foreach (var (childName, child) in model.NamedChildren())
            {
                x = child.Forward(x);
                var entry = new Dictionary<string, object?> { ["name"] = childName, ["type"] = child.GetType().Name };
                foreach (var (key, value) in Settings(child)) entry[key] = value;
                entry["params"] = child.ParameterCount;
                entry["output_shape"] = x.Shape.ToArray()[1..];
                layers.Add(entry);
            }
        }
        model.Train(wasTraining);
        var document = new Dictionary<string, object?>
        {
            ["format"] = Format,
            ["name"] = name,
            ["model_type"] = model.GetType().Name,
            ["input_shape"] = inputShape,
            ["class_names"] = classNames,
            ["weights"] = weightsFile,
            ["total_params"] = model.ParameterCount,
            ["layers"] = layers,
        };
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The layer's public scalar and (H, W) properties, declared on its own type.</summary>
    private static IEnumerable<(string Key, object Value)> Settings(Module layer)
    {
        foreach (var property in layer.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            object? value = property.GetValue(layer);
            object? json = value switch
            {
                int or long or float or double or bool or string => value,
                Enum e => e.ToString(),
                ValueTuple<int, int> pair => new[] { pair.Item1, pair.Item2 },
                _ => null,
            };
            if (json is not null) yield return (SnakeCase(property.Name), json);
        }
    }

    private static string SnakeCase(string name) => UpperRun().Replace(name, "$1_$2").ToLowerInvariant();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex UpperRun();
}
