using DeepNet.Training;
using Xunit;

namespace DeepNet.Distributed.Tests;

public class DistributedSamplerTests
{
    [Theory]
    [InlineData(10, 2)]
    [InlineData(11, 3)]
    [InlineData(7, 4)]
    public void Shards_AreDisjoint_AndCoverTheDataset(int count, int world)
    {
        var shards = Enumerable.Range(0, world).Select(r => new DistributedSampler(count, r, world, seed: 3).Indices(0)).ToArray();
        Assert.All(shards, s => Assert.Equal((count + world - 1) / world, s.Length));
        var all = shards.SelectMany(s => s).ToArray();
        Assert.Equal(Enumerable.Range(0, count), all.Distinct().Order());
        // Padding repeats only as many indices as W needs to divide the total.
        Assert.Equal(all.Length - count, all.Length - all.Distinct().Count());
    }

    [Fact]
    public void Shards_Reshuffle_EveryEpoch_FromTheSharedSeed()
    {
        var sampler = new DistributedSampler(100, 0, 2, seed: 9);
        Assert.NotEqual(sampler.Indices(0), sampler.Indices(1));
        Assert.Equal(sampler.Indices(1), new DistributedSampler(100, 0, 2, seed: 9).Indices(1));
    }

    [Fact]
    public void RankBatchesOfHalfSize_TogetherAreTheOneProcessBatch()
    {
        const int count = 64, batch = 16;
        int[] single = DataLoader.Permutation(count, 5, 0);
        var r0 = new DistributedSampler(count, 0, 2, seed: 5).Indices(0);
        var r1 = new DistributedSampler(count, 1, 2, seed: 5).Indices(0);
        for (int b = 0; b < count / batch; b++)
        {
            var union = r0.Skip(b * batch / 2).Take(batch / 2).Concat(r1.Skip(b * batch / 2).Take(batch / 2)).Order();
            Assert.Equal(single.Skip(b * batch).Take(batch).Order(), union);
        }
    }

    [Fact]
    public void DropLast_GivesEveryRankTheSameCount_WithoutRepeats()
    {
        var shards = Enumerable.Range(0, 3).Select(r => new DistributedSampler(10, r, 3, dropLast: true).Indices(0)).ToArray();
        Assert.All(shards, s => Assert.Equal(3, s.Length));
        Assert.Equal(9, shards.SelectMany(s => s).Distinct().Count());
    }

    [Fact]
    public void DataLoader_WithASampler_VisitsOnlyItsShard()
    {
        var dataset = new Dataset([.. Enumerable.Range(0, 10).Select(i => (float)i)], [1], new float[10]);
        var loader = new DataLoader(dataset, batchSize: 2, sampler: new DistributedSampler(10, 1, 2, shuffle: false), prefetch: 0);
        Assert.Equal(3, loader.BatchCount);
        var seen = loader.SelectMany(b => { using (b) return b.Input.ToArray(); }).ToArray();
        Assert.Equal([1f, 3f, 5f, 7f, 9f], seen);
        Assert.Throws<ArgumentException>(() => new DataLoader(dataset, shuffle: true, sampler: new DistributedSampler(10, 0, 2)));
    }

    [Fact]
    public void BadRank_IsRejected_NamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new DistributedSampler(10, 2, 2));
        Assert.Contains("rank 2", e.Message);
    }
}
