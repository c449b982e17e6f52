using DeepNet.Layers;
using DeepNet.Tensors;
using DeepNet.Tests.Testing;

namespace DeepNet.Tests.Layers;

/// <summary>
/// Gradchecks a module with respect to its input and its parameters: the parameters' current
/// values become extra GradCheck inputs, written into the module's own tensors before each
/// evaluation, so the gradients the module produces for its own weights are the ones checked.
/// </summary>
public static class ModuleGradCheck
{
    /// <summary>Checks d module(x) / d x and d module(x) / d every trainable parameter.</summary>
    public static void Check(Module module, (float[] Data, int[] Shape) input) =>
        Check(module, input, x => module.Forward(x));

    /// <summary>Checks <paramref name="f"/> (which calls <paramref name="module"/>) for the input and every parameter.</summary>
    public static void Check(Module module, (float[] Data, int[] Shape) input, Func<Tensor, Tensor> f)
    {
        var parameters = module.Parameters().ToArray();
        GradCheck.Check(t => f(t[0]), module.Device, parameters, [input, .. parameters.Select(Current)]);
    }

    /// <summary>Checks the parameters only, for a fixed (non-differentiable) input such as class ids.</summary>
    public static void CheckParameters(Module module, Tensor fixedInput)
    {
        var parameters = module.Parameters().ToArray();
        GradCheck.Check(_ => module.Forward(fixedInput), module.Device, parameters, [.. parameters.Select(Current)]);
    }

    private static (float[] Data, int[] Shape) Current(Tensor parameter) => (parameter.ToArray(), parameter.Shape.ToArray());
}
