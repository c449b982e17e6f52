using DeepNet.Tensors;
using DeepNet.Layers;
using DeepNet.Autograd;

namespace DeepNet.Serialization;

// Between documents and live models: Describe a built Sequential, Build one back, load its weights.
public sealed partial class ModelArchitecture
{
    /// <summary>
    /// Describes a built <paramref name="model"/> for instances of shape <paramref name="inputShape"/>
    /// (no batch dim). Every child must be a type registered in <see cref="LayerRegistry"/>. Each layer
    /// entry also records its parameter count and its output shape for one instance (found by running
    /// a zero instance through the model in eval mode under no-grad).
    /// </summary>
    public static ModelArchitecture Describe(Sequential model, int[] inputShape, ModelTask task, IReadOnlyList<string>? classNames = null,
        InputNormalization? normalization = null, string? weightsFile = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var specs = new List<LayerSpec>(model.Count);
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            using var scope = new DisposeScope();
            using var noGrad = GradMode.NoGrad();
            var x = Tensor.Zeros([1, .. inputShape], model.Device);
            for (int i = 0; i < model.Count; i++)
            {
                x = model[i].Forward(x);   // a shape probe: hooks do not see it
                specs.Add(LayerRegistry.Describe(model[i])
                    .With("params", model[i].ParameterCount)
                    .With("output_shape", IntArray(x.Shape.ToArray()[1..])));
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return new ModelArchitecture(task, inputShape, specs, classNames, normalization, weightsFile, name)
        {
            TotalParams = model.ParameterCount,
        };
    }

    /// <summary>
    /// Describes <paramref name="model"/> and saves the document to <paramref name="path"/>: a
    /// classifier when <paramref name="classNames"/> is given, else a regressor.
    /// </summary>
    public static void Write(string path, Module model, int[] inputShape, IReadOnlyList<string>? classNames = null,
        string? weightsFile = null, string? name = null)
    {
        if (model is not Sequential sequential)
            throw new ArgumentException($"model architecture: only a Sequential can be described, got {model.GetType().Name}", nameof(model));
        var task = classNames is null ? ModelTask.Regression : ModelTask.Classification;
        Describe(sequential, inputShape, task, classNames, weightsFile: weightsFile, name: name).Save(path);
    }

    /// <summary>A new <see cref="Sequential"/> with freshly initialized layers as described; <see cref="ModelArchitectureException"/> naming the bad layer.</summary>
    public Sequential Build()
    {
        var model = new Sequential();
        try
        {
            foreach (var spec in Layers) model.Add(LayerRegistry.Build(spec));
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the model, loads <paramref name="weightsPath"/> (safetensors, names and shapes must
    /// match exactly), moves it to <paramref name="device"/> and switches it to eval mode.
    /// </summary>
    public Sequential BuildWithWeights(string weightsPath, Device? device = null)
    {
        var file = SafeTensorsReader.Read(weightsPath);
        var model = Build();
        try
        {
            model.LoadNamedArrays(file.Arrays);   // quantized models take their int8 entries there too
            if (device is not null) model.To(device);
            model.Eval();
            return model;
        }
        catch (ArgumentException e)
        {
            model.Dispose();
            throw new ModelArchitectureException($"model weights '{weightsPath}' do not fit the architecture: {e.Message}", e);
        }
    }
}
