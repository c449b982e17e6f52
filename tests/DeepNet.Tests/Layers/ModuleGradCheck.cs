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
    public static void Check(Module module, (float[] Data, int[] Shape) input, Func<Tensor, Tensor> f) =>
        InBothDTypes(module, parameters =>
            GradCheck.Check(t => f(t[0]), module.Device, parameters, [input, .. parameters.Select(Current)]));

    /// <summary>Checks the parameters only, for a fixed (non-differentiable) input such as class ids.</summary>
    public static void CheckParameters(Module module, Tensor fixedInput) =>
        InBothDTypes(module, parameters =>
            GradCheck.Check(_ => module.Forward(fixedInput), module.Device, parameters, [.. parameters.Select(Current)]));

    /// <summary>
    /// The check with the module in Float64 (model.double(): the tight tolerance) and then in its own
    /// float32; the parameters' float32 values survive the round trip exactly.
    /// </summary>
    private static void InBothDTypes(Module module, Action<Tensor[]> check)
    {
        var dtype = module.Parameters().FirstOrDefault()?.DType ?? DType.Float32;
        module.To(DType.Float64);
        try
        {
            check(module.Parameters().ToArray());
        }
        finally
        {
            module.To(dtype);
        }
        check(module.Parameters().ToArray());
    }

    private static (float[] Data, int[] Shape) Current(Tensor parameter)
    {
        using var f32 = parameter.Detach().To(DType.Float32);   // exact: the values started as float32
        return (f32.ToArray(), parameter.Shape.ToArray());
    }
}
