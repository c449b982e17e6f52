using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;
using DeepNet.Training;
using Xunit;

namespace DeepNet.Tests.Training;

/// <summary>Datasets whose features or targets are not Float32: Int64 token ids, Bool, Float64, UInt8, custom sources.</summary>
public class DatasetDTypeTests
{
    [Fact]
    public void Int64Ids_BatchAsInt64_AndKeepValuesAbove2To24Exact()
    {
        long big = (1L << 53) + 1;
        var data = new Dataset(new long[] { 1, 2, big, 4, 5, 6 }, [2], new long[] { 0, 1, 1 });
        Assert.Equal(DType.Int64, data.FeatureDType);
        Assert.Equal(DType.Int64, data.TargetDType);
        using var batch = new DataLoader(data, batchSize: 2).First();
        Assert.Equal(DType.Int64, batch.Input.DType);
        Assert.Equal([2, 2], batch.Input.Shape.ToArray());
        Assert.Equal([1L, 2L, big, 4L], batch.Input.ToArray<long>());
        Assert.Equal([0L, 1L], batch.Target.ToArray<long>());
        var features = Assert.Throws<InvalidOperationException>(() => data.Features);
        Assert.Contains("Int64", features.Message);
        Assert.Equal([big, 4L], data.Slice(1, 1).Ids!);
    }

    [Fact]
    public void EmbeddingModel_TrainsOnInt64TokenIds()
    {
        // Class = whether token 3 occurs in the row: learnable from the embedding alone.
        var rng = new Random(5);
        int n = 64, length = 6;
        var ids = new long[n * length];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < length; t++) ids[i * length + t] = rng.Next(4, 10);
            labels[i] = i % 2;
            if (labels[i] == 1) ids[i * length + rng.Next(length)] = 3;
        }
        using var model = new Sequential(new Embedding(10, 8, new Generator(1)), new Flatten(), new Dense(8 * length, 2, generator: new Generator(2)));
        using var optimizer = new Adam(model.Parameters(), 0.05);
        var trainer = new Trainer(TextWriter.Null, interactive: false);
        var history = trainer.Fit(model, new CrossEntropyLoss(), optimizer,
            new DataLoader(new Dataset(ids, [length], labels), batchSize: 16, shuffle: true), epochs: 20);
        Assert.True(history.Last!.Accuracy > 0.95, $"accuracy {history.Last!.Accuracy}");
    }

    [Fact]
    public void AnyDTypes_RoundTripThroughTheLoader()
    {
        var data = Dataset.Create(new double[] { 0.1, 0.2, 0.3, 0.4 }, [2], new bool[] { true, false });
        using (var batch = new DataLoader(data, batchSize: 2).First())
        {
            Assert.Equal(DType.Float64, batch.Input.DType);
            Assert.Equal([0.1, 0.2, 0.3, 0.4], batch.Input.ToArray<double>());
            Assert.Equal(DType.Bool, batch.Target.DType);
            Assert.Equal([true, false], batch.Target.ToArray<bool>());
        }
        var bytes = Dataset.Create(new byte[] { 0, 255, 7 }, [1], new float[] { 1.5f, 2.5f, 3.5f });
        using (var batch = new DataLoader(bytes, batchSize: 3, prefetch: 0).First())
        {
            Assert.Equal(DType.UInt8, batch.Input.DType);
            Assert.Equal(new byte[] { 0, 255, 7 }, batch.Input.ToArray<byte>());
            Assert.Equal([1.5f, 2.5f, 3.5f], batch.Target.ToArray());
        }
    }

    [Fact]
    public void FromTensors_KeepsDTypesAndShapes_AndRefusesMismatchedCounts()
    {
        using var x = Tensor.FromArray(new int[] { 1, 2, 3, 4, 5, 6 }, [3, 2]);
        using var y = Tensor.FromArray(new long[] { 7, 8, 9 }, [3]);
        var data = Dataset.FromTensors(x, y);
        Assert.Equal(3, data.Count);
        Assert.Equal([2], data.SampleShape);
        Assert.Equal(DType.Int32, data.FeatureDType);
        using var batch = new DataLoader(data, batchSize: 3).First();
        Assert.Equal([1, 2, 3, 4, 5, 6], batch.Input.ToArray<int>());
        Assert.Equal([7L, 8L, 9L], batch.Target.ToArray<long>());
        using var two = Tensor.FromArray(new long[] { 1, 2 }, [2]);
        var e = Assert.Throws<ArgumentException>(() => Dataset.FromTensors(x, two));
        Assert.Contains("[3, 2]", e.Message);
        Assert.False(Dataset.FromTensors(x).HasTargets);
    }

    /// <summary>A custom source of Int64 token ids and Int64 labels, written through SampleBuffers.</summary>
    private sealed class CountingIds(int count) : IDataset
    {
        public int Count => count;
        public int[] SampleShape => [3];
        public int[] TargetShape => [];
        public bool HasTargets => true;
        public DType FeatureDType => DType.Int64;
        public DType TargetDType => DType.Int64;

        public void CopySample(int index, SampleBuffers sample)
        {
            var ids = sample.Features<long>();
            for (int i = 0; i < ids.Length; i++) ids[i] = index * 10L + i;
            sample.Target<long>()[0] = index % 3;
        }
    }

    [Fact]
    public void CustomIDataset_OfInt64Ids_WritesThroughSampleBuffers()
    {
        using var batch = new DataLoader(new CountingIds(4), batchSize: 4).First();
        Assert.Equal(DType.Int64, batch.Input.DType);
        Assert.Equal([0L, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32], batch.Input.ToArray<long>());
        Assert.Equal([0L, 1, 2, 0], batch.Target.ToArray<long>());
    }

    /// <summary>Declares Int64 features but writes only the float overload: the loader says what to implement.</summary>
    private sealed class FloatOnly : IDataset
    {
        public int Count => 2;
        public int[] SampleShape => [1];
        public int[] TargetShape => [];
        public bool HasTargets => true;
        public DType FeatureDType => DType.Int64;
        public void CopySample(int index, Span<float> features, Span<float> target) { }
    }

    private sealed class WrongHostType : IDataset
    {
        public int Count => 2;
        public int[] SampleShape => [1];
        public int[] TargetShape => [];
        public bool HasTargets => true;
        public DType FeatureDType => DType.Int64;
        public void CopySample(int index, SampleBuffers sample) => sample.Features<int>()[0] = index;
    }

    [Fact]
    public void MisdeclaredDatasets_FailWithClearMessages()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => new DataLoader(new FloatOnly(), prefetch: 0).First());
        Assert.Contains("FloatOnly", missing.Message);
        Assert.Contains("CopySample(int, SampleBuffers)", missing.Message);
        var wrong = Assert.Throws<InvalidOperationException>(() => new DataLoader(new WrongHostType(), prefetch: 0).First());
        Assert.Contains("Int64", wrong.Message);
        Assert.Contains("Int32", wrong.Message);
        var notADType = Assert.Throws<ArgumentException>(() => Dataset.Create(new decimal[] { 1m }, [1], new long[] { 0 }));
        Assert.Contains("Decimal", notADType.Message);
    }
}
