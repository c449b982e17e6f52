using System.Text.Json.Nodes;
using DeepNet.Layers;
using DeepNet.Layers.Text;
using DeepNet.Layers.Quantized;
using DeepNet.Tensors;

namespace DeepNet.Serialization;

/// <summary>
/// Maps layer type names to a factory (spec → layer) and a describer (layer → spec), so a
/// <see cref="ModelArchitecture"/> can be written from a built model and built back from JSON.
/// Every built-in layer without sub-modules is registered; programs add their own with
/// <see cref="Register{T}"/>. Argument names are the constructor's in snake_case.
/// </summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<LayerSpec, Module>> Factories = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, (string Name, Func<Module, LayerSpec> Describe)> Describers = [];
    private static readonly Lock Gate = new();

    static LayerRegistry()
    {
        Register("Dense", s => new Dense(s.Int("in_features"), s.Int("out_features"), s.Bool("bias", true),
                activation: s.Activation("activation", Activation.Identity)),
            (Dense d) => Spec("Dense").With("in_features", d.InFeatures).With("out_features", d.OutFeatures).With("bias", d.Bias is not null)
                .WithActivation(d.Activation));
        Register("Conv2D", s => new Conv2D(s.Int("in_channels"), s.Int("out_channels"), s.Pair("kernel_size"), s.Pair("stride", (1, 1)),
                s.Pair("padding", (0, 0)), s.Pair("dilation", (1, 1)), s.Int("groups", 1), s.Bool("bias", true),
                activation: s.Activation("activation", Activation.Identity)),
            (Conv2D c) => Spec("Conv2D").With("in_channels", c.InChannels).With("out_channels", c.OutChannels)
                .With("kernel_size", c.KernelSize).With("stride", c.Stride).With("padding", c.Padding)
                .With("dilation", c.Dilation).With("groups", c.Groups).With("bias", c.Bias is not null)
                .WithActivation(c.Activation));
        Register("MaxPool2D", s => new MaxPool2D(s.Pair("kernel_size"), s.Pair("stride", s.Pair("kernel_size")), s.Pair("padding", (0, 0)),
                s.Pair("dilation", (1, 1)), s.Bool("ceil_mode", false)),
            (MaxPool2D p) =>
            {
                // Non-default options only, so files written before them read the same.
                var spec = Spec("MaxPool2D").With("kernel_size", p.KernelSize).With("stride", p.Stride).With("padding", p.Padding);
                if (p.Dilation != (1, 1)) spec.With("dilation", p.Dilation);
                return p.CeilMode ? spec.With("ceil_mode", true) : spec;
            });
        Register("AvgPool2D", s => new AvgPool2D(s.Pair("kernel_size"), s.Pair("stride", s.Pair("kernel_size")), s.Pair("padding", (0, 0)),
                s.Bool("ceil_mode", false), s.Bool("count_include_pad", true)),
            (AvgPool2D p) =>
            {
                var spec = Spec("AvgPool2D").With("kernel_size", p.KernelSize).With("stride", p.Stride).With("padding", p.Padding);
                if (p.CeilMode) spec.With("ceil_mode", true);
                return p.CountIncludePad ? spec : spec.With("count_include_pad", false);
            });
        Register("Flatten", s => new Flatten(s.Int("start_dim", 1), s.Int("end_dim", -1)),
            (Flatten f) => Spec("Flatten").With("start_dim", f.StartDim).With("end_dim", f.EndDim));
        Register("Dropout", s => new Dropout(s.Float("p", 0.5f)), (Dropout d) => Spec("Dropout").With("p", d.P));
        Register("Relu", _ => new Relu(), (Relu _) => Spec("Relu"));
        Register("Identity", _ => new Identity(), (Identity _) => Spec("Identity"));
        Register("Tanh", _ => new Tanh(), (Tanh _) => Spec("Tanh"));
        Register("Sigmoid", _ => new Sigmoid(), (Sigmoid _) => Spec("Sigmoid"));
        Register("Gelu", s => new Gelu(s.Choice<GeluApproximation>("approximate", GeluApproximation.None)),
            (Gelu l) => l.Approximate == GeluApproximation.None ? Spec("Gelu") : Spec("Gelu").With("approximate", l.Approximate.ToString().ToLowerInvariant()));
        Register("LeakyRelu", s => new LeakyRelu(s.Float("negative_slope", 0.01f)),
            (LeakyRelu l) => Spec("LeakyRelu").With("negative_slope", l.NegativeSlope));
        Register("Softmax", s => new Softmax(s.Int("dim", -1)), (Softmax l) => Spec("Softmax").With("dim", l.Dim));
        Register("BatchNorm1D", s => new BatchNorm1D(s.Int("num_features"), s.Float("eps", 1e-5f), Momentum(s), s.Bool("affine", true)),
            (BatchNorm1D b) => NormSpec("BatchNorm1D", b));
        Register("BatchNorm2D", s => new BatchNorm2D(s.Int("num_features"), s.Float("eps", 1e-5f), Momentum(s), s.Bool("affine", true)),
            (BatchNorm2D b) => NormSpec("BatchNorm2D", b));
        Register("LayerNorm", s => new LayerNorm(s.IntArray("normalized_shape"), s.Float("eps", 1e-5f), s.Bool("elementwise_affine", true)),
            (LayerNorm l) => Spec("LayerNorm").With("normalized_shape", new JsonArray(l.NormalizedShape.ToArray().Select(d => (JsonNode?)d).ToArray()))
                .With("eps", l.Eps).With("elementwise_affine", l.Weight is not null));
        Register("Embedding", s => new Embedding(s.Int("num_embeddings"), s.Int("embedding_dim"), paddingIdx: OptionalInt(s, "padding_idx")),
            (Embedding e) => Spec("Embedding").With("num_embeddings", e.NumEmbeddings).With("embedding_dim", e.EmbeddingDim).WithIfSet("padding_idx", e.PaddingIdx));
        // A whole BERT classifier as one layer: an architecture file can name it, and a server build it.
        Register("BertForSequenceClassification", s => new BertForSequenceClassification(new BertConfig
            {
                VocabSize = s.Int("vocab_size"), HiddenSize = s.Int("hidden_size"), NumHiddenLayers = s.Int("num_hidden_layers"),
                NumAttentionHeads = s.Int("num_attention_heads"), IntermediateSize = s.Int("intermediate_size"),
                MaxPositionEmbeddings = s.Int("max_position_embeddings"), TypeVocabSize = s.Int("type_vocab_size", 2),
                LayerNormEps = s.Float("layer_norm_eps", 1e-12f), HiddenDropoutProb = s.Float("hidden_dropout_prob", 0.1f),
                AttentionProbsDropoutProb = s.Float("attention_probs_dropout_prob", 0.1f), PadTokenId = s.Int("pad_token_id", 0),
            }, s.Int("num_labels")),
            (BertForSequenceClassification b) => Spec("BertForSequenceClassification").With("vocab_size", b.Config.VocabSize)
                .With("hidden_size", b.Config.HiddenSize).With("num_hidden_layers", b.Config.NumHiddenLayers)
                .With("num_attention_heads", b.Config.NumAttentionHeads).With("intermediate_size", b.Config.IntermediateSize)
                .With("max_position_embeddings", b.Config.MaxPositionEmbeddings).With("type_vocab_size", b.Config.TypeVocabSize)
                .With("layer_norm_eps", b.Config.LayerNormEps).With("hidden_dropout_prob", b.Config.HiddenDropoutProb)
                .With("attention_probs_dropout_prob", b.Config.AttentionProbsDropoutProb).With("pad_token_id", b.Config.PadTokenId)
                .With("num_labels", b.NumLabels));
        // Quantized layers are built with zero int8 weights (and a placeholder input scale when static); loading the weights file fills them.
        Register("QuantizedDense", s => new QuantizedDense(Placeholder([s.Int("out_features"), s.Int("in_features")]),
                s.Bool("bias", true) ? Tensor.Zeros([s.Int("out_features")]) : null, s.Activation("activation", Activation.Identity),
                s.Bool("dynamic", false) ? null : new QuantizationParams(1f, 0)),
            (QuantizedDense d) => Spec("QuantizedDense").With("in_features", d.InFeatures).With("out_features", d.OutFeatures)
                .With("bias", d.Bias is not null).With("dynamic", d.InputParams is null).WithActivation(d.Activation));
        Register("QuantizedConv2D", s =>
            {
                var (r, k) = (s.Pair("kernel_size"), s.Int("out_channels"));
                return new QuantizedConv2D(Placeholder([k, s.Int("in_channels"), r.H, r.W]), s.Bool("bias", true) ? Tensor.Zeros([k]) : null,
                    s.Pair("stride", (1, 1)), s.Pair("padding", (0, 0)), s.Pair("dilation", (1, 1)), s.Activation("activation", Activation.Identity),
                    s.Bool("dynamic", false) ? null : new QuantizationParams(1f, 0));
            },
            (QuantizedConv2D c) => Spec("QuantizedConv2D").With("in_channels", c.InChannels).With("out_channels", c.OutChannels)
                .With("kernel_size", c.KernelSize).With("stride", c.Stride).With("padding", c.Padding).With("dilation", c.Dilation)
                .With("bias", c.Bias is not null).With("dynamic", c.InputParams is null).WithActivation(c.Activation));
        Register("QuantizedEmbedding", s =>
            {
                int n = s.Int("num_embeddings"), d = s.Int("embedding_dim");
                if (n <= 0 || d <= 0) throw new ArgumentException($"quantized_embedding: sizes must be positive, got {n}×{d}");
                return new QuantizedEmbedding(QuantizedWeight.Rows(new sbyte[(long)n * d], Enumerable.Repeat(1f, n).ToArray(), [n, d]));
            },
            (QuantizedEmbedding e) => Spec("QuantizedEmbedding").With("num_embeddings", e.NumEmbeddings).With("embedding_dim", e.EmbeddingDim));
        // Type names written before the .NET acronym convention (ReLU → Relu, BatchNorm2d → BatchNorm2D) still load.
        foreach (var (old, current) in (ReadOnlySpan<(string, string)>)[("ReLU", "Relu"), ("GELU", "Gelu"), ("LeakyReLU", "LeakyRelu"),
                     ("BatchNorm1d", "BatchNorm1D"), ("BatchNorm2d", "BatchNorm2D")])
            Factories[old] = Factories[current];
    }

    private static QuantizedWeight Placeholder(int[] shape)
    {
        if (shape.Any(d => d <= 0)) throw new ArgumentException($"quantized layer: shape [{string.Join(", ", shape)}] must be positive");
        long size = shape.Aggregate(1L, (a, d) => a * d);
        return new QuantizedWeight(new sbyte[size], Enumerable.Repeat(1f, shape[0]).ToArray(), shape);
    }

    /// <summary>The registered type names (with the older spellings that still load), sorted.</summary>
    public static IReadOnlyList<string> TypeNames
    {
        get
        {
            lock (Gate) return Factories.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Registers (or replaces) layer type <typeparamref name="T"/> under <paramref name="name"/>.</summary>
    public static void Register<T>(string name, Func<LayerSpec, Module> build, Func<T, LayerSpec> describe) where T : Module
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (Gate)
        {
            Factories[name] = build;
            Describers[typeof(T)] = (name, m => describe((T)m));
        }
    }

    /// <summary>Builds the layer a spec describes; <see cref="ModelArchitectureException"/> for an unknown type or bad arguments.</summary>
    public static Module Build(LayerSpec spec)
    {
        Func<LayerSpec, Module>? factory;
        lock (Gate) Factories.TryGetValue(spec.Type, out factory);
        if (factory is null)
            throw new ModelArchitectureException(
                $"model architecture: {spec.Label}: unknown layer type '{spec.Type}' (known: {string.Join(", ", TypeNames)})");
        try
        {
            return factory(spec);
        }
        catch (ArgumentException e)
        {
            throw new ModelArchitectureException($"model architecture: {spec.Label} ({spec.Type}): {e.Message}", e);
        }
    }

    /// <summary>The spec of a built layer; <see cref="ModelArchitectureException"/> when its type is not registered.</summary>
    public static LayerSpec Describe(Module layer)
    {
        (string Name, Func<Module, LayerSpec> Describe) entry;
        bool found;
        lock (Gate) found = Describers.TryGetValue(layer.GetType(), out entry);
        if (!found)
            throw new ModelArchitectureException(
                $"model architecture: layer type {layer.GetType().Name} is not registered (LayerRegistry.Register adds it)");
        return entry.Describe(layer);
    }

    private static LayerSpec Spec(string type) => new(type);

    // Absent reads as torch's default 0.1; an explicit null is momentum=None (the cumulative average).
    // Absent or null: none (torch's padding_idx=None).
    private static int? OptionalInt(LayerSpec s, string key) =>
        s.Arguments.TryGetPropertyValue(key, out var node) && node is not null ? s.Int(key) : null;

    private static float? Momentum(LayerSpec s) =>
        s.Arguments.TryGetPropertyValue("momentum", out var node) && node is null ? null : s.Float("momentum", 0.1f);

    private static LayerSpec NormSpec(string type, BatchNorm b) => Spec(type).With("num_features", b.NumFeatures)
        .With("eps", b.Eps).With("momentum", b.Momentum).With("affine", b.Weight is not null);
}
