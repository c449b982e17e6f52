namespace DeepNet.Data;

/// <summary>
/// One file a dataset reads, pinned by size and SHA-256 so a corrupt or altered download is
/// caught before it is parsed. <see cref="RelativePath"/> uses '/' and is relative to the
/// unpacked package folder (for example <c>data/train-images-idx3-ubyte</c>).
/// </summary>
/// <param name="RelativePath">Path inside the package folder, '/'-separated.</param>
/// <param name="Size">Expected length in bytes.</param>
/// <param name="Sha256">Expected SHA-256 digest, lowercase hex.</param>
public sealed record DatasetFile(string RelativePath, long Size, string Sha256);
