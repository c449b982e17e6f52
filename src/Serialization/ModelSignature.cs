using System.Security.Cryptography;
using System.Text;

namespace DeepNet.Serialization;

/// <summary>
/// ECDSA P-256 / SHA-256 signatures of a saved model (.NET has no built-in Ed25519). The signed
/// message covers the weights and the architecture file:
/// <c>deepnet-model-signature/1\nweights sha256 HEX\narchitecture sha256 HEX\n</c>; the signature
/// (IEEE P1363, base64) is kept in the sidecar "model.safetensors.sig". Keys are PEM:
/// "PRIVATE KEY" (PKCS#8) to sign, "PUBLIC KEY" (SubjectPublicKeyInfo) to verify.
/// </summary>
public static class ModelSignature
{
    /// <summary>The sidecar's file name suffix.</summary>
    public const string Extension = ".sig";

    /// <summary>The sidecar path of <paramref name="weightsPath"/>.</summary>
    public static string SidecarPath(string weightsPath) => weightsPath + Extension;

    /// <summary>A new P-256 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM).</summary>
    public static (string PrivatePem, string PublicPem) CreateKeyPair()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>Signs the weights and architecture with <paramref name="privateKeyPem"/> and writes the sidecar atomically; returns its path.</summary>
    public static string Sign(string weightsPath, string architecturePath, string privateKeyPem)
    {
        using var key = ImportKey(privateKeyPem, "private");
        byte[] signature;
        try
        {
            signature = key.SignData(Message(weightsPath, architecturePath), HashAlgorithmName.SHA256);
        }
        catch (CryptographicException e)
        {
            throw new ModelIntegrityException($"model signature: cannot sign with this key (a public key cannot sign): {e.Message}", e);
        }
        string sidecar = SidecarPath(weightsPath);
        byte[] text = Encoding.ASCII.GetBytes(Convert.ToBase64String(signature) + "\n");
        AtomicFile.Write(sidecar, stream => stream.Write(text));
        return sidecar;
    }

    /// <summary>
    /// Checks the sidecar signature of the model against <paramref name="publicKeyPem"/>; throws
    /// <see cref="ModelIntegrityException"/> naming the file when the signature is missing, unreadable
    /// or does not match (the files were changed or signed with another key).
    /// </summary>
    public static void Verify(string weightsPath, string architecturePath, string publicKeyPem)
    {
        string sidecar = SidecarPath(weightsPath);
        if (!File.Exists(sidecar))
            throw new ModelIntegrityException($"model signature: '{weightsPath}' is unsigned (no '{sidecar}') and signatures are required");
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(File.ReadAllText(sidecar).Trim());
        }
        catch (FormatException)
        {
            throw new ModelIntegrityException($"model signature: '{sidecar}' is not a base64 signature");
        }
        using var key = ImportKey(publicKeyPem, "public");
        if (!key.VerifyData(Message(weightsPath, architecturePath), signature, HashAlgorithmName.SHA256))
            throw new ModelIntegrityException(
                $"model signature: '{sidecar}' does not match '{weightsPath}' and '{architecturePath}' for the configured public key " +
                "(the files changed after signing, or another key signed them)");
    }

    private static byte[] Message(string weightsPath, string architecturePath) => Encoding.UTF8.GetBytes(
        $"deepnet-model-signature/1\nweights sha256 {ModelDigest.Compute(weightsPath)}\narchitecture sha256 {ModelDigest.Compute(architecturePath)}\n");

    private static ECDsa ImportKey(string pem, string kind)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new ModelIntegrityException($"model signature: the {kind} key is not an EC key in PEM form: {e.Message}", e);
        }
        int size = key.KeySize;
        if (size != 256)
        {
            key.Dispose();
            throw new ModelIntegrityException($"model signature: the {kind} key is a {size}-bit EC key, expected P-256");
        }
        return key;
    }
}
