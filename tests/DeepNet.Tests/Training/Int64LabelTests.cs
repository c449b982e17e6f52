using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;

namespace DeepNet.Tests.Training;

/// <summary>Int64 class labels end to end: Dataset → DataLoader batches → Trainer loss, accuracy and metrics.</summary>
public class Int64LabelTests
{
    private static Dataset Labeled(int count)
    {
        var features = new float[count * 4];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            features[i * 4 + (i % 2)] = 1f;
            features[i * 4 + 2] = i / (float)count;
        }
        return new Dataset(features, [4], labels);
    }

    [Fact]
    public void DataLoader_BatchesInt64Labels_AsInt64Tensors()
    {
        var data = Labeled(10);
        Assert.Equal(DType.Int64, data.TargetDType);
        Assert.Throws<InvalidOperationException>(() => data.Targets);
        var loader = new DataLoader(data, batchSize: 4);
        foreach (var batch in loader)
        {
            using (batch)
            {
                Assert.Equal(DType.Int64, batch.Target!.DType);
                Assert.All(batch.Target.ToArray<long>(), v => Assert.InRange(v, 0L, 1L));
            }
        }
        Assert.Equal([0L, 1L, 0L], data.Slice(4, 3).Labels!);
    }

    [Fact]
    public void Fit_OnInt64Labels_LearnsAndMeasuresAccuracy_AsOnFloatLabels()
    {
        History Train(Dataset data)
        {
            using var model = new Sequential(new Dense(4, 2, generator: new Generator(3)));
            using var optimizer = new Adam(model.Parameters(), 0.05);
            var trainer = new Trainer(new StringWriter(), interactive: false, metrics: [Metric.Accuracy(), Metric.TopKAccuracy(1)]);
            return trainer.Fit(model, new CrossEntropyLoss(), optimizer, new DataLoader(data, batchSize: 8), epochs: 3);
        }
        var labeled = Train(Labeled(40));
        var floats = Train(TrainerSafetyTests.Classes(40));
        Assert.Equal(floats.Last!.Loss, labeled.Last!.Loss, 6);
        Assert.Equal(floats.Last.Accuracy, labeled.Last.Accuracy);
        Assert.Equal(floats.Last.Get("top_1_accuracy"), labeled.Last.Get("top_1_accuracy"));
    }
}
