using DeepNet.Data;
using Xunit;

namespace DeepNet.Tests.Data;

public class BostonHousingTests
{
    [Fact]
    public void ReadCsv_SplitsThirteenFeaturesFromTheTarget()
    {
        var data = BostonHousing.ReadCsv(DataFixtures.Path("csv", "boston.csv"));

        Assert.Equal(3, data.Count);
        Assert.Equal(3 * 13, data.Features.Length);
        Assert.Equal([24f, 21.6f, 34.7f], data.Targets);
        Assert.Equal(0.00632f, data.Features[0]);
        Assert.Equal(4.98f, data.Features[12]);
        // Row 1, column "rm" (index 5).
        Assert.Equal(6.421f, data.Features[13 + 5]);
    }

    [Theory]
    [InlineData("boston-non-numeric.csv", "line 3, column 'rm': 'six' is not a finite number")]
    [InlineData("boston-wrong-count.csv", "line 3 has 13 fields, expected 14")]
    [InlineData("boston-bad-header.csv", "line 1: header is 'crime,")]
    [InlineData("empty.csv", "file is empty")]
    public void ReadCsv_MalformedFile_ThrowsNamingFileAndProblem(string file, string problem)
    {
        var path = DataFixtures.Path("csv", file);

        var e = Assert.Throws<InvalidDataException>(() => BostonHousing.ReadCsv(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }
}
