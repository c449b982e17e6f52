using DeepNet.Kernels.Ops;

namespace DeepNet.Autograd.Functions;

/// <summary>What export reads of a UnaryFunction&lt;TOp&gt; without naming TOp: the operator struct and its constants.</summary>
internal interface IUnaryFunction
{
    IUnaryOp Op { get; }
}
