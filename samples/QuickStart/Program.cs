// A two-layer network fitted to y = sin(x) with raw tensors and autograd: the smallest
// complete training loop in DeepNet.
using DeepNet.Autograd;
using DeepNet.Tensors;

var gen = new Generator(42);
using var x = Tensor.Linspace(-3f, 3f, 256).Reshape(256, 1);
using var target = Tensor.FromArray(x.ToArray().Select(MathF.Sin).ToArray(), [256, 1]);
using var w1 = Tensor.Randn([1, 32], gen).Mul(0.5f).RequiresGradient();
using var b1 = Tensor.Zeros([32]).RequiresGradient();
using var w2 = Tensor.Randn([32, 1], gen).Mul(0.2f).RequiresGradient();
using var b2 = Tensor.Zeros([1]).RequiresGradient();
Tensor[] parameters = [w1, b1, w2, b2];

float first = 0, last = 0;
for (int step = 0; step < 500; step++)
{
    using var scope = new DisposeScope();
    var loss = x.MatMul(w1).Add(b1).Tanh().MatMul(w2).Add(b2).MseLoss(target);
    foreach (var p in parameters) p.ZeroGrad();
    loss.Backward();
    using (GradMode.NoGrad())
        foreach (var p in parameters) p.AddInPlace(p.Grad!, -0.05f);
    last = loss.Item();
    if (step == 0) first = last;
    if (step % 100 == 0) Console.WriteLine($"step {step,4}  loss {last:F5}");
}
Console.WriteLine($"loss: {first:F5} -> {last:F5}");
