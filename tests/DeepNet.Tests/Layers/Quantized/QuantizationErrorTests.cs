using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Quantized;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers.Quantized;

/// <summary>A quantized model refuses training and bad input with messages that say what to do.</summary>
public class QuantizationErrorTests
{
    private static Sequential Quantized(bool dynamic = false)
    {
        var model = new Sequential(new Dense(6, 5, generator: new Generator(1)), new Relu(), new Dense(5, 3, generator: new Generator(2)));
        using var calibration = Tensor.Rand([8, 6], new Generator(3));
        Quantization.Quantize(model, [calibration], new QuantizationOptions { Dynamic = dynamic });
        return model;
    }

    [Fact]
    public void Forward_WithAnInputThatRequiresGrad_SaysTheModelIsQuantized()
    {
        using var model = Quantized();
        using var x = Tensor.Rand([2, 6]).RequiresGradient();
        var e = Assert.Throws<InvalidOperationException>(() => model.Call(x));
        Assert.Contains("quantized_linear", e.Message);
        Assert.Contains("cannot be trained", e.Message);
        Assert.Contains("Train the float model", e.Message);
        using var noGrad = GradMode.NoGrad();
        using var y = model.Call(x);   // inference under NoGrad is fine
        Assert.Equal([2, 3], y.Shape.ToArray());
    }

    [Fact]
    public void Parameters_ForAnOptimizer_AreRefused_NamingTheQuantizedLayer()
    {
        using var model = Quantized();
        var e = Assert.Throws<InvalidOperationException>(() => model.Parameters());
        Assert.Contains("QuantizedDense at '0'", e.Message);
        Assert.Contains("Quantization.Quantize", e.Message);
        Assert.Throws<InvalidOperationException>(() => model.NamedTrainableParameters());
        Assert.Equal(0, model.ParameterCount);   // no trainable tensors: the biases are buffers
    }

    [Fact]
    public void Output_HasNoGradient_SoBackwardFails()
    {
        using var model = Quantized();
        using var x = Tensor.Rand([2, 6]);
        using var y = model.Call(x);
        Assert.False(y.RequiresGrad);
        using var loss = y.Sum();
        Assert.ThrowsAny<InvalidOperationException>(() => loss.Backward());
    }

    [Fact]
    public void Quantize_WithoutCalibrationBatches_SaysWhatToPass()
    {
        using var model = new Sequential(new Dense(3, 2));
        var none = Assert.Throws<ArgumentException>(() => Quantization.Quantize(model, null));
        Assert.Contains("calibration batches", none.Message);
        var empty = Assert.Throws<ArgumentException>(() => Quantization.Quantize(model, []));
        Assert.Contains("held no batch", empty.Message);
        Assert.IsType<Dense>(model[0]);   // nothing was swapped
    }

    [Fact]
    public void Quantize_AModelWithoutDenseOrConv_IsAnError()
    {
        using var model = new Sequential(new Relu());
        var e = Assert.Throws<ArgumentException>(() => Quantization.Quantize(model, null, new QuantizationOptions { Dynamic = true }));
        Assert.Contains("no Dense or Conv2D", e.Message);
    }

    [Fact]
    public void DynamicQuantization_OfANonFiniteInput_NamesTheRange()
    {
        using var model = Quantized(dynamic: true);
        using var x = Tensor.FromArray([1f, float.NaN, 0f, 0f, 0f, 0f], [1, 6]);
        var e = Assert.Throws<ArgumentException>(() => model[0].Forward(x));
        Assert.Contains("not finite", e.Message);
    }

    [Fact]
    public void QuantizedDense_RejectsAWrongFeatureCount()
    {
        using var model = Quantized();
        using var x = Tensor.Rand([2, 7]);
        var e = Assert.Throws<ArgumentException>(() => model[0].Forward(x));
        Assert.Contains("must end in 6 features", e.Message);
    }

    [Fact]
    public void QuantizedWeight_RejectsMismatchedScalesAndMinus128()
    {
        Assert.Contains("2 scales for 3", Assert.Throws<ArgumentException>(() => new QuantizedWeight(new sbyte[6], [1f, 1f], [3, 2])).Message);
        Assert.Contains("−128", Assert.Throws<ArgumentException>(() => new QuantizedWeight([-128, 0], [1f], [1, 2])).Message);
        Assert.Contains("positive and finite", Assert.Throws<ArgumentException>(() => new QuantizedWeight([1, 0], [0f], [1, 2])).Message);
    }

    [Fact]
    public void QuantizedWeight_Quantize_IsPerChannelSymmetric()
    {
        using var w = Tensor.FromArray([0.5f, -1f, 0.25f, 2f, 0f, -0.5f, 0f, 0f, 0f], [3, 3]);
        using var q = QuantizedWeight.Quantize(w);
        Assert.Equal([1f / 127f, 2f / 127f, 1f], q.Scales);
        Assert.Equal(new sbyte[] { 64, -127, 32, 127, 0, -32, 0, 0, 0 }, q.Values);   // 63.5 → 64 (half to even), 31.75 → 32
        using var back = q.Dequantize();
        Assert.Equal(-1f, back.ToArray()[1], 6);
    }
}
