using System.Security.Cryptography;

namespace DeepNet.Data;

/// <summary>SHA-256 digests and the size/digest checks every cached dataset file goes through.</summary>
internal static class FileChecksum
{
    /// <summary>Lowercase hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Throws <see cref="FileNotFoundException"/> when <paramref name="path"/> is missing and
    /// <see cref="InvalidDataException"/> when its size (unless null) or SHA-256 differs from the pinned values;
    /// <paramref name="advice"/> ends each message (what the user can do about it).
    /// </summary>
    public static void Verify(string path, long? expectedSize, string expectedSha256, string advice)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"{path}: file is missing. {advice}", path);
        // Size first: a truncated download is the common failure and needs no hashing to spot.
        if (expectedSize is { } size && info.Length != size)
            throw new InvalidDataException(
                $"{path}: size is {info.Length} bytes, expected {size}. {advice}");
        var actual = Sha256(path);
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{path}: SHA-256 is {actual}, expected {expectedSha256}. {advice}");
    }
}
