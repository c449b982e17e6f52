// Runs under mpirun for tests/DeepNet.Distributed.Tests and benchmarks/RESULTS.md:
//   mpirun -np 2 dotnet DeepNet.Distributed.Worker.dll train --model mlp --steps 20 --batch 16 --out w.bin
//   ... train --model cnn --fault throw|exit|hang --fault-rank 1 --fault-step 3 --timeout 5
//   ... train --model mlp --hidden-on-rank1 32        (models that differ across ranks)
//   ... train --model mnist --steps 30 --batch 64 --bucket-cap 65536   (timings)
//   ... allreduce --steps 50 --bucket-cap 373288                       (all-reduce of that many bytes, median)
// Without mpirun (no OMPI_COMM_WORLD_SIZE) it prints the install/launch hint and exits 2.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DeepNet.Distributed;
using DeepNet.Distributed.Worker;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;

var options = Options.Parse(args);
if (!Mpirun.IsLaunched)
{
    Console.Error.WriteLine($"worker: not started by mpirun. {Mpirun.InstallHint}");
    return 2;
}
var world = Communicator.World;
world.Timeout = TimeSpan.FromSeconds(options.Timeout);
if (args.FirstOrDefault() == "allreduce") return AllReduceBench.Run(world, options.Steps, options.BucketCapBytes);
int hidden = world.Rank == 1 && options.HiddenOnRank1 > 0 ? options.HiddenOnRank1 : 16;
var init = new Generator(7);
bool cnn = options.Model is "cnn" or "mnist";
using var model = options.Model == "mnist"
    ? new Sequential(   // samples/MnistCnn's Keras convnet (93k parameters), for the timings in benchmarks/RESULTS.md
        new Conv2D(1, 32, kernelSize: 3, generator: init), new Relu(), new MaxPool2D(2),
        new Conv2D(32, 64, kernelSize: 3, generator: init), new Relu(), new MaxPool2D(2),
        new Conv2D(64, 64, kernelSize: 3, generator: init), new Relu(),
        new Tripwire(options.Fault, options.FaultRank, options.FaultStep, world.Rank),
        new Flatten(), new Dense(64 * 3 * 3, 64, generator: init), new Relu(), new Dense(64, 10, generator: init))
    : cnn
    ? new Sequential(
        new Conv2D(1, 8, kernelSize: 3, generator: init), new Relu(), new MaxPool2D(2),
        new Conv2D(8, 16, kernelSize: 3, generator: init), new Relu(), new MaxPool2D(2),
        new Tripwire(options.Fault, options.FaultRank, options.FaultStep, world.Rank),
        new Flatten(), new Dense(16 * 5 * 5, 32, generator: init), new Relu(), new Dense(32, 10, generator: init))
    : new Sequential(
        new Dense(8, hidden, generator: init), new Tanh(),
        new Tripwire(options.Fault, options.FaultRank, options.FaultStep, world.Rank),
        new Dense(hidden, 4, generator: init));
// Ranks start from different weights on purpose: the broadcast from rank 0 must make them equal.
if (world.Rank > 0)
    using (DeepNet.Autograd.GradMode.NoGrad())
    using (var noise = Tensor.Randn([1], new Generator((ulong)world.Rank)))
        model.Parameters().First().AddInPlace(noise);

int count = options.Steps * options.Batch;
int[] sampleShape = cnn ? [1, 28, 28] : [8];
var dataRandom = new Random(11);
var features = new float[count * sampleShape.Aggregate(1, (a, b) => a * b)];
for (int i = 0; i < features.Length; i++) features[i] = (float)(dataRandom.NextDouble() * 2 - 1);
var targets = new float[count];
for (int i = 0; i < count; i++) targets[i] = dataRandom.Next(cnn ? 10 : 4);
var dataset = new Dataset(features, sampleShape, targets);

using var ddp = new DistributedDataParallel(model, world, options.BucketCapBytes);
var sampler = new DistributedSampler(count, world, shuffle: true, seed: 5);
var loader = new DataLoader(dataset, options.Batch / world.Size, sampler: sampler);
using var optimizer = new Adam(model.Parameters(), 1e-3);
var trainer = new Trainer(parallel: ddp, interactive: false);
var clock = Stopwatch.StartNew();
var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer, loader, epochs: 1);
double seconds = clock.Elapsed.TotalSeconds;

var stats = ddp.Statistics;
if (world.Rank == 0)
{
    var inv = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Create(inv, $"ranks {world.Size} steps {stats.Steps} step_ms {seconds * 1000 / stats.Steps:F2} allreduce_ms {stats.AllReduceSeconds * 1000 / stats.Steps:F3} wait_ms {stats.WaitSeconds * 1000 / stats.Steps:F3} bytes_per_step {ddp.BytesPerStep} buckets {ddp.BucketSizes.Count} loss {history.Epochs[^1].Loss:R}"));
    if (options.Out is not null)
    {
        var weights = model.Parameters().SelectMany(p => p.ToArray()).ToArray();
        File.WriteAllBytes(options.Out, MemoryMarshal.AsBytes(weights.AsSpan()).ToArray());
    }
}
return 0;
