using Xunit;

namespace DeepNet.Distributed.Tests;

/// <summary>
/// Launches real MPI jobs (2 ranks, loopback): equivalence with one process, and that every
/// failure ends the whole job quickly with a message naming it. Needs Open MPI (.ci/run installs it).
/// </summary>
[Collection(MpiCollection.Name)]
public class DataParallelMpiTests
{
    private const float Tolerance = 1e-5f;
    private static readonly TimeSpan FailureDeadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void TwoRanksWithHalfBatches_MatchOneRankWithTheFullBatch_After20AdamSteps(string model)
    {
        float[] one = MpiJob.Weights(1, "train", "--model", model, "--steps", "20", "--batch", "16");
        float[] two = MpiJob.Weights(2, "train", "--model", model, "--steps", "20", "--batch", "16");
        Assert.Equal(one.Length, two.Length);
        double worst = one.Zip(two, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= Tolerance, $"{model}: max |w1 - w2| = {worst:G3} > {Tolerance}");
    }

    [Theory]
    [InlineData("throw", "injected failure on rank 1")]
    [InlineData("exit", "[rank 1/2] process exiting with code 3")]
    [InlineData("kill", "rank 1")]
    [InlineData("hang", "[rank 0/2] gradient all-reduce of bucket 0")]
    public void ARankThatFails_EndsTheJob_WithAClearError(string fault, string expected)
    {
        var result = MpiJob.Run(2, "train", "--model", "mlp", "--fault", fault, "--fault-rank", "1", "--fault-step", "3", "--timeout", "4");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Output);
        Assert.True(result.Elapsed < FailureDeadline, $"{fault}: the job took {result.Elapsed.TotalSeconds:F1} s to end");
    }

    [Fact]
    public void RanksWhoseModelsDiffer_FailAtStart_NamingTheFirstDifference()
    {
        var result = MpiJob.Run(2, "train", "--model", "mlp", "--hidden-on-rank1", "32");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rank 0 has parameter '0.weight' [16,8], rank 1 has parameter '0.weight' [32,8]", result.Output);
        Assert.DoesNotContain("batch 1/", result.Output);
    }
}
