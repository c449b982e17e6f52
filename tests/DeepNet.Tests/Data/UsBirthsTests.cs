using DeepNet.Data;
using Xunit;

namespace DeepNet.Tests.Data;

public class UsBirthsTests
{
    [Fact]
    public void ReadCsv_ReturnsDatesAndDailyCounts()
    {
        var series = UsBirths.ReadCsv(DataFixtures.Path("csv", "births.csv"));

        Assert.Equal(4, series.Count);
        Assert.Equal(new DateOnly(2000, 1, 1), series.Dates[0]);
        Assert.Equal(new DateOnly(2000, 1, 4), series.Dates[3]);
        Assert.Equal([9083, 8006, 11363, 13032], series.Births);
        Assert.Equal([9083f, 8006f, 11363f, 13032f], series.BirthsAsFloat());
    }

    [Theory]
    [InlineData("births-bad-date.csv", "2000-13-3 is not a valid date")]
    [InlineData("births-wrong-weekday.csv", "day_of_week is 4 but 2000-01-03 is a Monday (1)")]
    [InlineData("births-fractional.csv", "births '8006.5' is not an integer")]
    [InlineData("births-out-of-order.csv", "2000-01-01 does not follow 2000-01-02")]
    [InlineData("boston.csv", "header is 'crim,")]
    public void ReadCsv_MalformedFile_ThrowsNamingFileAndProblem(string file, string problem)
    {
        var path = DataFixtures.Path("csv", file);

        var e = Assert.Throws<InvalidDataException>(() => UsBirths.ReadCsv(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }
}
