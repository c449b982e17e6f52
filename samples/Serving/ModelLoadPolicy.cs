namespace DeepNet.Serving;

/// <summary>What <see cref="LoadedModel.Load"/> checks beyond the files' format (from <see cref="ServingOptions"/>).</summary>
/// <param name="MaxParameters">Most parameters the architecture may declare (checked before allocating).</param>
/// <param name="RequireDigest">Refuse weights without a SHA-256 sidecar.</param>
/// <param name="PublicKeyPem">When set, the model's signature must verify against this ECDSA P-256 key.</param>
/// <param name="AllowNonFiniteWeights">Load NaN/Inf weights anyway (diagnosis only).</param>
public sealed record ModelLoadPolicy(long MaxParameters = 100_000_000, bool RequireDigest = false, string? PublicKeyPem = null,
    bool AllowNonFiniteWeights = false)
{
    /// <summary>The defaults: digests verified when present, no signature, finite weights, at most 100 M parameters.</summary>
    public static ModelLoadPolicy Default { get; } = new();

    /// <summary>The policy the options describe (reads the public key file).</summary>
    public static ModelLoadPolicy From(ServingOptions options)
    {
        string? key = null;
        if (!string.IsNullOrWhiteSpace(options.PublicKey))
        {
            try
            {
                key = File.ReadAllText(options.PublicKey);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"serving: cannot read the public key '{options.PublicKey}': {e.Message}", e);
            }
        }
        return new ModelLoadPolicy(options.MaxParameters, options.RequireDigest, key, options.AllowNonFiniteWeights);
    }
}
