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
}
