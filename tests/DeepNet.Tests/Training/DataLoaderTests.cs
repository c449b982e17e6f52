using DeepNet.Training;
using Xunit;

namespace DeepNet.Tests.Training;

public class DataLoaderTests
{
    /// <summary>Sample i has features [i, i+0.5, ...] (shape [2, 3]) and target i, so a batch reveals which samples it holds.</summary>
    private static Dataset Numbered(int count)
    {
        var features = new float[count * 6];
        for (int i = 0; i < features.Length; i++) features[i] = i / 6 + (i % 6) * 0.5f;
        var targets = Enumerable.Range(0, count).Select(i => (float)i).ToArray();
        return new Dataset(features, [2, 3], targets);
    }

    private static List<(int[] Shape, float[] Ids)> Epoch(DataLoader loader)
    {
        var result = new List<(int[], float[])>();
        foreach (var batch in loader)
            using (batch)
            {
                var features = batch.Input.ToArray();
                var ids = batch.Target.ToArray();
                for (int row = 0; row < ids.Length; row++)
                    Assert.Equal(ids[row], features[row * 6]);  // features travel with their target
                result.Add((batch.Input.Shape.ToArray(), ids));
            }
        return result;
    }

    [Fact]
    public void Batches_HaveTheSampleShape_AndTheLastOneIsPartial()
    {
        var batches = Epoch(new DataLoader(Numbered(10), batchSize: 4));
        Assert.Equal(3, batches.Count);
        Assert.Equal([4, 2, 3], batches[0].Shape);
        Assert.Equal([4, 2, 3], batches[1].Shape);
        Assert.Equal([2, 2, 3], batches[2].Shape);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), batches.SelectMany(b => b.Ids));
    }

    [Fact]
    public void DropLast_SkipsThePartialBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, dropLast: true);
        var batches = Epoch(loader);
        Assert.Equal(2, loader.BatchCount);
        Assert.Equal(8, loader.SampleCount);
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Equal(4, b.Shape[0]));
    }

    [Fact]
    public void Shuffle_VisitsEverySampleOncePerEpoch_InANewOrderEachEpoch()
    {
        var loader = new DataLoader(Numbered(103), batchSize: 8, shuffle: true, seed: 7);
        var first = Epoch(loader).SelectMany(b => b.Ids).ToArray();
        var second = Epoch(loader).SelectMany(b => b.Ids).ToArray();
        Assert.Equal(Enumerable.Range(0, 103).Select(i => (float)i), first.Order());
        Assert.Equal(Enumerable.Range(0, 103).Select(i => (float)i), second.Order());
        Assert.NotEqual(first, second);
        Assert.NotEqual(Enumerable.Range(0, 103).Select(i => (float)i), first);
    }

    [Fact]
    public void SameSeed_GivesTheSameOrder_OtherSeedsDiffer()
    {
        var a = new DataLoader(Numbered(50), batchSize: 5, shuffle: true, seed: 3);
        var b = new DataLoader(Numbered(50), batchSize: 5, shuffle: true, seed: 3);
        var c = new DataLoader(Numbered(50), batchSize: 5, shuffle: true, seed: 4);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var ia = Epoch(a).SelectMany(x => x.Ids).ToArray();
            Assert.Equal(ia, Epoch(b).SelectMany(x => x.Ids).ToArray());
            Assert.NotEqual(ia, Epoch(c).SelectMany(x => x.Ids).ToArray());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Prefetch_DoesNotChangeTheBatches(int prefetch)
    {
        var reference = new DataLoader(Numbered(37), batchSize: 6, shuffle: true, seed: 11, prefetch: 0);
        var loader = new DataLoader(Numbered(37), batchSize: 6, shuffle: true, seed: 11, prefetch: prefetch);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var expected = Epoch(reference);
            var actual = Epoch(loader);
            Assert.Equal(expected.Select(b => b.Ids), actual.Select(b => b.Ids));
            Assert.Equal(expected.Select(b => b.Shape), actual.Select(b => b.Shape));
        }
    }

    [Fact]
    public void BreakingOutOfAnEpoch_StopsTheProducer_AndTheNextEpochIsWhole()
    {
        var loader = new DataLoader(Numbered(40), batchSize: 4, prefetch: 2);
        foreach (var batch in loader)
        {
            batch.Dispose();
            break;
        }
        Assert.Equal(10, Epoch(loader).Count);
    }

    [Fact]
    public void TargetsKeepTheirPerSampleShape()
    {
        var data = new Dataset(new float[12], [3], Enumerable.Range(0, 8).Select(i => (float)i).ToArray(), [2]);
        using var batch = new DataLoader(data, batchSize: 3).First();
        Assert.Equal([3, 2], batch.Target.Shape.ToArray());
        Assert.Equal([0f, 1, 2, 3, 4, 5], batch.Target.ToArray());
    }

    [Fact]
    public void MismatchedArrays_AreRejectedWithTheirSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset(new float[12], [2, 3], new float[3]));
        Assert.Contains("2 samples", e.Message);
        Assert.Throws<ArgumentException>(() => new Dataset(new float[13], [2, 3], new float[2]));
        Assert.Throws<ArgumentException>(() => new DataLoader(Numbered(4), batchSize: 0));
    }
}
