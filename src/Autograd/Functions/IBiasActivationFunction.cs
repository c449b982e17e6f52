using DeepNet.Kernels.Ops;

namespace DeepNet.Autograd.Functions;

/// <summary>What export reads of a BiasActivationFunction&lt;TOp&gt; without naming TOp: the operator struct and its constants.</summary>
internal interface IBiasActivationFunction
{
    IUnaryOp Op { get; }
}
