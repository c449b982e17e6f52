// Trains a small regression model with the DeepNet package (raw autograd), then again with the
// DeepNet.Training package (Trainer.Fit, history.svg), and reports whether the loss fell both times:
// "ok: loss fell from A to B; Trainer.Fit from C to D".
using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;

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

using var model = new Sequential(new Dense(3, 1, generator: gen));
using var optimizer = new Sgd(model.Parameters(), 0.1);
var data = new Dataset(x.ToArray(), [3], y.ToArray(), [1]);
var history = new Trainer(TextWriter.Null).Fit(model, new MseLoss(), optimizer, new DataLoader(data, batchSize: 16), epochs: 10);
string plot = Path.Combine(Path.GetTempPath(), $"deepnet-consumer-{Environment.ProcessId}.svg");
history.SavePlot(plot, "package consumer");
bool plotted = File.ReadAllText(plot).Contains("<polyline", StringComparison.Ordinal);
File.Delete(plot);

double fitFirst = history.Epochs[0].Loss, fitLast = history.Epochs[^1].Loss;
bool ok = last < first && fitLast < fitFirst && plotted;
Console.WriteLine(ok
    ? $"ok: loss fell from {first:F4} to {last:F4}; Trainer.Fit from {fitFirst:F4} to {fitLast:F4}"
    : $"fail: loss went from {first:F4} to {last:F4}; Trainer.Fit from {fitFirst:F4} to {fitLast:F4}; plot written: {plotted}");
return ok ? 0 : 1;
