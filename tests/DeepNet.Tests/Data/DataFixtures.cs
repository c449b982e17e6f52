using DeepNet.Data;

namespace DeepNet.Tests.Data;

/// <summary>Paths of the files under Fixtures/Data (copied next to the test assembly) and scratch folders.</summary>
internal static class DataFixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", "Data", .. parts]);

    /// <summary>A fresh empty folder under the system temp folder; the caller deletes it.</summary>
    public static string NewTempDirectory()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "deepnet-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>
    /// Copies fixture files into <paramref name="cache"/> under <paramref name="package"/>'s
    /// pinned file names, standing in for a previous download (no network involved).
    /// </summary>
    public static void PopulateCache(DeepNet.Data.NpmDatasetCache cache, DeepNet.Data.NpmPackage package, params string[][] fixtureFiles)
    {
        for (var i = 0; i < fixtureFiles.Length; i++)
        {
            var target = DeepNet.Data.NpmDatasetCache.GetPath(cache.PackageDirectory(package), package.Files[i]);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(Path(fixtureFiles[i]), target);
        }
    }
}
