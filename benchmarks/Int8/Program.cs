// fp32 vs int8 for the MNIST CNN the sample trained (model.json + model.safetensors):
//   dotnet run -c Release --project samples/MnistCnn -- --epochs 1 --out /tmp/mnist
//   dotnet run -c Release --project benchmarks/Int8 -- /tmp/mnist [DATA_DIR]
// Calibration: 8 batches of 64 training images; accuracy on the 10,000 test images.
using DeepNet.Data;
using DeepNet.Samples;
using DeepNet.Serialization;
using DeepNet.Tensors;
using DeepNet.Training;

string dir = args.Length > 0 ? args[0] : throw new ArgumentException("usage: Int8 MODEL_DIR [DATA_DIR]");
var mnist = Mnist.Load(args.Length > 1 ? args[1] : null);
var train = Dataset.FromImages(mnist.Train);
var testSet = Dataset.FromImages(mnist.Test);
using var model = ModelArchitecture.Load(Path.Combine(dir, "model.json")).BuildWithWeights(Path.Combine(dir, "model.safetensors"));
int size = testSet.SampleSize;
Tensor Images(Dataset set, int start, int n) => Tensor.FromArray(set.Features[(start * size)..((start + n) * size)], [n, .. set.SampleShape]);
var calibration = Enumerable.Range(0, 8).Select(i => Images(train, i * 64, 64)).ToList();
Int8Comparison.Run("MNIST CNN", model, calibration, new DataLoader(testSet, batchSize: 500), n => Images(testSet, 0, n), Path.Combine(dir, "int8"));
foreach (var t in calibration) t.Dispose();
