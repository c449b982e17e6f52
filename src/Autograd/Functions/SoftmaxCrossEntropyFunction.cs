using DeepNet.Tensors;

namespace DeepNet.Autograd.Functions;

/// <summary>
/// Fused softmax + cross entropy per row: logits [N, C], class indices [N] → loss [N] with
/// loss[n] = logsumexp(logits[n]) − logits[n, target[n]]. Replaces LogSoftmax → Gather → Neg
/// (tests/DeepNet.Tests/Tensors/FusedTests asserts equality, forward and gradients).
/// </summary>
internal sealed class SoftmaxCrossEntropyFunction : Function
{
    private Tensor _logits = null!, _target = null!, _logSumExp = null!;

    public static Tensor Apply(Tensor logits, Tensor target)
    {
        Tensor.CheckSameDevice("cross_entropy", logits, target);
        if (logits.Rank != 2 || target.Rank != 1 || target.ShapeArray[0] != logits.ShapeArray[0])
            throw new ArgumentException($"cross_entropy: logits {logits.Shape} need targets of shape [N], got {target.Shape}");
        if (!logits.IsContiguous)
        {
            using var dense = logits.Contiguous();
            return Apply(dense, target);
        }
        int n = logits.ShapeArray[0];
        var loss = Tensor.Empty([n], logits.Device);
        using var logSumExp = Tensor.Empty([n], logits.Device);
        logits.Backend.SoftmaxCrossEntropy(logits.Buffer, logits.Layout, target.Buffer, target.Layout, loss.Buffer, logSumExp.Buffer);
        if (!ShouldRecord(logits)) return loss;
        var node = new SoftmaxCrossEntropyFunction();
        node._logits = node.Save(logits);
        node._target = node.Save(target);
        node._logSumExp = node.Save(logSumExp);
        return node.Record(loss, logits);
    }

    // loss = lse(x) − x[t] ⇒ dx = (softmax(x) − onehot(t))·dloss, row by row
    protected internal override Tensor?[] Backward(Tensor gradOutput)
    {
        var gradLogits = Tensor.Empty(_logits.ShapeArray, _logits.Device);
        _logits.Backend.SoftmaxCrossEntropyBackward(_logits.Buffer, _logits.Layout, _target.Buffer, _target.Layout,
            _logSumExp.Buffer, gradOutput.Buffer, gradOutput.Layout, gradLogits.Buffer);
        return [gradLogits];
    }
}
