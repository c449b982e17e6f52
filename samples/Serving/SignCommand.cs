using DeepNet.Serialization;

namespace DeepNet.Serving;

/// <summary>
/// The model owner's commands, run instead of the server:
/// <c>keygen --out DIR</c> writes an ECDSA P-256 pair (DIR/model-signing.key, private, mode 600;
/// DIR/model-signing.pub, for Serving:PublicKey), and
/// <c>sign --model M.safetensors --key model-signing.key</c> checks the weights against their
/// digest sidecar and writes M.safetensors.sig over the weights and M.json.
/// </summary>
public static class SignCommand
{
    /// <summary>True when <paramref name="args"/> name one of these commands.</summary>
    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "sign" or "keygen";

    /// <summary>Runs the command; returns the process exit code (2 for usage errors, 1 for failures).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2) options[args[i]] = args[i + 1];
        try
        {
            if (args[0] == "keygen")
            {
                if (!options.TryGetValue("--out", out string? folder)) return Usage(error);
                Directory.CreateDirectory(folder);
                var (privatePem, publicPem) = ModelSignature.CreateKeyPair();
                string privatePath = Path.Combine(folder, "model-signing.key"), publicPath = Path.Combine(folder, "model-signing.pub");
                File.WriteAllText(privatePath, privatePem);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.WriteAllText(publicPath, publicPem);
                output.WriteLine($"wrote {privatePath} (keep it secret) and {publicPath} (give it to servers as --public-key)");
                return 0;
            }
            if (!options.TryGetValue("--model", out string? weights) || !options.TryGetValue("--key", out string? key)) return Usage(error);
            ModelDigest.Verify(weights, required: true);
            string sidecar = ModelSignature.Sign(weights, Path.ChangeExtension(weights, ".json"), File.ReadAllText(key));
            output.WriteLine($"signed {weights} and {Path.ChangeExtension(weights, ".json")}: {sidecar}");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ModelIntegrityException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("usage: DeepNet.Serving keygen --out DIR\n       DeepNet.Serving sign --model M.safetensors --key model-signing.key");
        return 2;
    }
}
