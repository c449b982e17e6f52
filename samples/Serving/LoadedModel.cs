using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Serialization;
using DeepNet.Autograd;

namespace DeepNet.Serving;

/// <summary>
/// A model ready for inference: the architecture document, the built <see cref="Sequential"/> with
/// its weights in eval mode on its device, and the width of one output row. Only the inference
/// worker calls <see cref="Run"/> (one forward pass at a time).
/// </summary>
public sealed class LoadedModel : IDisposable
{
    private LoadedModel(ModelArchitecture architecture, Sequential model, Device device, int outputWidth)
    {
        Architecture = architecture;
        Model = model;
        Device = device;
        OutputWidth = outputWidth;
        OutputIsProbabilities = model.Count > 0 && model[model.Count - 1] is Softmax;
    }

    public ModelArchitecture Architecture { get; }

    public Sequential Model { get; }

    public Device Device { get; }

    /// <summary>Values per output row: classes for a classifier, targets for a regressor.</summary>
    public int OutputWidth { get; }

    /// <summary>True when the model ends in Softmax; otherwise a classifier's logits are soft-maxed here.</summary>
    public bool OutputIsProbabilities { get; }

    /// <summary>
    /// Loads the weights at <paramref name="weightsPath"/> and the architecture from the .json file
    /// beside it, then runs one zero instance to check the output shape against the class names.
    /// Throws with a message naming the file and the problem.
    /// </summary>
    public static LoadedModel Load(string weightsPath, Device device)
    {
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"model weights '{weightsPath}' not found", weightsPath);
        string architecturePath = Path.ChangeExtension(weightsPath, ".json");
        if (!File.Exists(architecturePath))
            throw new FileNotFoundException(
                $"model architecture '{architecturePath}' not found (the training sample writes it next to the weights)", architecturePath);
        var architecture = ModelArchitecture.Load(architecturePath);
        var model = architecture.BuildWithWeights(weightsPath, device);
        try
        {
            int width = ProbeOutputWidth(architecture, model, device);
            if (architecture.ClassNames is { } names && names.Count != width)
                throw new ModelArchitectureException($"model architecture: {names.Count} class names but the model outputs {width} values");
            return new LoadedModel(architecture, model, device, width);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static int ProbeOutputWidth(ModelArchitecture architecture, Sequential model, Device device)
    {
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        Tensor output;
        try
        {
            output = model.Forward(Tensor.Zeros([1, .. architecture.InputShape], device));
        }
        catch (ArgumentException e)
        {
            throw new ModelArchitectureException($"model architecture: the layers do not accept input_shape [{string.Join(", ", architecture.InputShape)}]: {e.Message}", e);
        }
        if (output.Rank != 2)
            throw new ModelArchitectureException($"model architecture: the model must output [N, outputs], got {output.Shape} for one instance");
        return output.Shape[1];
    }

    /// <summary>
    /// One forward pass over <paramref name="count"/> instances stored row-major in
    /// <paramref name="inputs"/> (already normalized); returns [count, OutputWidth] row-major, as
    /// probabilities for a classifier. Runs under no-grad; every temporary is freed on return.
    /// </summary>
    public float[] Run(float[] inputs, int count)
    {
        using var scope = new DisposeScope();
        using var noGrad = GradMode.NoGrad();
        var x = Tensor.FromArray(inputs, [count, .. Architecture.InputShape], Device);
        var y = Model.Forward(x);
        if (Architecture.Task == ModelTask.Classification && !OutputIsProbabilities) y = y.Softmax(-1);
        return y.ToArray();
    }

    public void Dispose() => Model.Dispose();
}
