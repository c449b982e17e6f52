using System.Security.Cryptography;
using System.Text;

namespace DeepNet.Serialization;

/// <summary>
/// SHA-256 digests of model files, kept in a sidecar next to the file ("model.safetensors.sha256"
/// in <c>sha256sum</c> format, so <c>sha256sum -c</c> checks it too). <see cref="ModuleFiles.Save"/>
/// writes it; loaders call <see cref="Verify"/> to refuse a file changed after it was saved.
/// </summary>
public static class ModelDigest
{
    /// <summary>The sidecar's file name suffix.</summary>
    public const string Extension = ".sha256";

    /// <summary>The sidecar path of <paramref name="path"/>.</summary>
    public static string SidecarPath(string path) => path + Extension;

    /// <summary>The lowercase hex SHA-256 of the file's bytes (streamed, not loaded whole).</summary>
    public static string Compute(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Computes the digest of <paramref name="path"/> and writes its sidecar atomically; returns the digest.</summary>
    public static string Write(string path)
    {
        string digest = Compute(path);
        byte[] line = Encoding.UTF8.GetBytes($"{digest}  {Path.GetFileName(path)}\n");
        AtomicFile.Write(SidecarPath(path), stream => stream.Write(line));
        return digest;
    }

    /// <summary>The digest recorded in the sidecar of <paramref name="path"/>, or null when there is no sidecar.</summary>
    public static string? ReadRecorded(string path)
    {
        string sidecar = SidecarPath(path);
        if (!File.Exists(sidecar)) return null;
        string text = File.ReadAllText(sidecar).Trim();
        string recorded = text.Split(' ', 2)[0].ToLowerInvariant();
        if (recorded.Length != 64 || !recorded.All(char.IsAsciiHexDigit))
            throw new ModelIntegrityException($"model integrity: '{sidecar}' does not hold a SHA-256 digest (64 hex digits), got '{Shorten(text)}'");
        return recorded;
    }

    /// <summary>
    /// Checks <paramref name="path"/> against its sidecar and returns the file's digest. Throws
    /// <see cref="ModelIntegrityException"/> naming the file and both digests on a mismatch, and
    /// when there is no sidecar and <paramref name="required"/> is set.
    /// </summary>
    public static string Verify(string path, bool required = false)
    {
        string? recorded = ReadRecorded(path);
        string actual = Compute(path);
        if (recorded is null)
        {
            if (required)
                throw new ModelIntegrityException($"model integrity: '{path}' has no digest file '{SidecarPath(path)}' and a digest is required");
            return actual;
        }
        if (recorded != actual)
            throw new ModelIntegrityException(
                $"model integrity: '{path}' has SHA-256 {actual} but '{SidecarPath(path)}' records {recorded}: the file changed after it was saved");
        return actual;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
