using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeepNet.Layers;

namespace DeepNet.Serialization;

/// <summary>
/// The small JSON document written next to a model's weights (model.safetensors + model.json)
/// saying how to rebuild it: format tag, task, input shape of one instance (no batch dim), optional
/// class names, optional per-feature input normalization, the weights file name, and the layers of
/// the <see cref="Sequential"/> in order with their constructor arguments (see
/// <see cref="LayerRegistry"/>). Example:
/// <code>{"format": "deepnet-architecture/1", "task": "classification", "input_shape": [1, 28, 28],
///  "layers": [{"name": "0", "type": "Conv2D", "in_channels": 1, "out_channels": 32, "kernel_size": [3, 3], ...}, ...]}</code>
/// Layer entries may also carry "params" and "output_shape", written by <see cref="Describe"/> for
/// readers; building ignores them.
/// </summary>
public sealed partial class ModelArchitecture
{
    /// <summary>The value of the "format" field this version reads and writes.</summary>
    public const string Format = "deepnet-architecture/1";

    private static readonly string[] LayerKeysNotArguments = ["type", "name"];

    /// <summary>Creates a document; see the properties for the meaning of each argument.</summary>
    public ModelArchitecture(ModelTask task, int[] inputShape, IReadOnlyList<LayerSpec> layers,
        IReadOnlyList<string>? classNames = null, InputNormalization? normalization = null, string? weightsFile = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
            throw new ModelArchitectureException($"model architecture: input_shape [{string.Join(", ", inputShape)}] must be non-empty and positive");
        if (layers.Count == 0) throw new ModelArchitectureException("model architecture: 'layers' is empty");
        if (classNames is not null && task != ModelTask.Classification)
            throw new ModelArchitectureException("model architecture: class_names are only meaningful for a classification model");
        Task = task;
        InputShape = (int[])inputShape.Clone();
        Layers = layers.ToList();
        for (int i = 0; i < Layers.Count; i++) Layers[i].Label = $"layer {i}";
        ClassNames = classNames?.ToList();
        normalization?.Validate(FeatureCount);
        Normalization = normalization;
        WeightsFile = weightsFile;
        Name = name;
    }

    /// <summary>Classification (class scores out) or regression (values out).</summary>
    public ModelTask Task { get; }

    /// <summary>Shape of one instance, without the batch dim: [1, 28, 28] for MNIST, [13] for Boston housing.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Number of scalars in one instance (product of <see cref="InputShape"/>).</summary>
    public int FeatureCount => InputShape.Aggregate(1, (n, d) => checked(n * d));

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }

    /// <summary>Class labels by index, for classifiers; null when absent.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Standardization to apply to raw inputs before the model; null when the model takes raw inputs.</summary>
    public InputNormalization? Normalization { get; }

    /// <summary>The weights file name, relative to the JSON file; null when not recorded.</summary>
    public string? WeightsFile { get; }

    /// <summary>A free-form model name.</summary>
    public string? Name { get; }

    /// <summary>Trainable scalar count, recorded by <see cref="Describe"/> for readers; null when not recorded.</summary>
    public long? TotalParams { get; init; }

    /// <summary>The JSON text (indented).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = Format,
            ["name"] = Name,
            ["task"] = Task == ModelTask.Classification ? "classification" : "regression",
            ["model_type"] = nameof(Sequential),
            ["input_shape"] = IntArray(InputShape),
        };
        if (ClassNames is not null) root["class_names"] = new JsonArray(ClassNames.Select(c => (JsonNode?)c).ToArray());
        if (Normalization is not null)
            root["normalization"] = new JsonObject { ["mean"] = FloatArray(Normalization.Mean), ["std"] = FloatArray(Normalization.Std) };
        if (WeightsFile is not null) root["weights"] = WeightsFile;
        if (TotalParams is long total) root["total_params"] = total;
        var layers = new JsonArray();
        for (int i = 0; i < Layers.Count; i++)
        {
            var entry = new JsonObject { ["name"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["type"] = Layers[i].Type };
            foreach (var (key, value) in Layers[i].Arguments) entry[key] = value?.DeepClone();
            layers.Add(entry);
        }
        root["layers"] = layers;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (temp file, flush, rename), creating the folder.</summary>
    public void Save(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        byte[] bytes = Encoding.UTF8.GetBytes(ToJson());
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Reads and validates an architecture file; <see cref="ModelArchitectureException"/> naming the path and the problem.</summary>
    public static ModelArchitecture Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelArchitectureException($"model architecture: cannot read '{path}': {e.Message}", e);
        }
        try
        {
            return Parse(text);
        }
        catch (ModelArchitectureException e)
        {
            throw new ModelArchitectureException($"{e.Message} (in '{path}')", e);
        }
    }

    /// <summary>Parses and validates architecture JSON; <see cref="ModelArchitectureException"/> naming the field at fault.</summary>
    public static ModelArchitecture Parse(string json)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelArchitectureException($"model architecture: not valid JSON: {e.Message}", e);
        }
        if (parsed is not JsonObject root) throw new ModelArchitectureException("model architecture: the document must be a JSON object");
        string format = RequiredString(root, "format");
        if (format != Format)
            throw new ModelArchitectureException($"model architecture: unsupported format '{format}' (this version reads '{Format}')");
        int[] inputShape = ParseInts(Required(root, "input_shape"), "input_shape");
        var classNames = root["class_names"] is JsonNode names ? ParseStrings(names, "class_names") : null;
        var task = ParseTask(root, classNames is not null);
        var normalization = root["normalization"] is JsonNode norm ? ParseNormalization(norm) : null;
        var layers = ParseLayers(Required(root, "layers"));
        return new ModelArchitecture(task, inputShape, layers, classNames, normalization,
            OptionalString(root, "weights"), OptionalString(root, "name"))
        {
            TotalParams = root["total_params"] is JsonValue total && total.GetValueKind() == JsonValueKind.Number
                ? total.GetValue<JsonElement>().GetInt64()
                : null,
        };
    }
}
