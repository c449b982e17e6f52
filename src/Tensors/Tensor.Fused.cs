using DeepNet.Autograd;
using DeepNet.Kernels.Ops;
using DeepNet.Autograd.Functions;

namespace DeepNet.Tensors;

// Fused ops: one kernel where the composite takes several, each tested equal to its composite
// (tests/DeepNet.Tests/Tensors/FusedTests). Cross entropy lives in Tensor.Losses.cs, optimizer
// updates in Tensor.Optimizers.cs.
public sealed partial class Tensor
{
    /// <summary>
    /// y = act(x + bias) in one pass, bias broadcast along the channel dim: x: [N, F] with bias [F],
    /// or x: [N, C, ...] with bias [C] (per-channel, as after a convolution); y has x's shape.
    /// Equal to <c>x.Add(bias.Reshape(...)).Relu()</c> etc., forward and gradients.
    /// </summary>
    public Tensor AddBiasActivation(Tensor bias, Activation activation = Activation.Identity) => activation switch
    {
        Activation.Identity => BiasActivationFunction<IdentityOp>.Apply(default, this, bias),
        Activation.Relu => BiasActivationFunction<ReluOp>.Apply(default, this, bias),
        Activation.Gelu => BiasActivationFunction<GeluOp>.Apply(default, this, bias),
        Activation.GeluTanh => BiasActivationFunction<GeluTanhOp>.Apply(default, this, bias),
        Activation.Tanh => BiasActivationFunction<TanhOp>.Apply(default, this, bias),
        Activation.Sigmoid => BiasActivationFunction<SigmoidOp>.Apply(default, this, bias),
        _ => throw new ArgumentException($"bias_activation: unknown activation {activation}"),
    };
}
