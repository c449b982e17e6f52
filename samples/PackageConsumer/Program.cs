// Trains a small regression model for a few steps with the DeepNet package and reports
// whether the loss fell: "ok: loss fell from A to B".
using DeepNet.Autograd;
using DeepNet.Tensors;

var gen = new Generator(1);
using var x = Tensor.Randn([64, 3], gen);
using var trueWeights = Tensor.FromArray(new float[] { 2f, -1f, 0.5f }, [3, 1]);
using var y = x.MatMul(trueWeights);
using var w = Tensor.Zeros([3, 1]).RequiresGradient();

float first = float.NaN, last = float.NaN;
for (int step = 0; step < 20; step++)
{
    using var scope = new DisposeScope();
    var loss = x.MatMul(w).MseLoss(y);
    w.ZeroGrad();
    loss.Backward();
    using (GradMode.NoGrad()) w.AddInPlace(w.Grad!, -0.1f);
    last = loss.Item();
    if (step == 0) first = last;
}
Console.WriteLine(last < first ? $"ok: loss fell from {first:F4} to {last:F4}" : $"fail: loss went from {first:F4} to {last:F4}");
return last < first ? 0 : 1;
