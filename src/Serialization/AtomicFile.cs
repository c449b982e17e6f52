namespace DeepNet.Serialization;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content:
/// write a temporary file in the same directory, flush it to disk, then rename it over the target.
/// The directory is created when missing.
/// </summary>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> against a temp file, then moves it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"atomic write: '{path}' has no directory", nameof(path));
        Directory.CreateDirectory(directory);   // saving into a new output folder is the common case
        // Same directory, so the final rename never crosses file systems.
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The original error matters more than a leftover temp file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
