using System.Security.Cryptography;
using DeepNet.Layers;
using DeepNet.Serialization;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Serialization;

/// <summary>ModelDigest sidecars written by Save and ModelSignature round trips.</summary>
public sealed class ModelIntegrityFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deepnet-integrity-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Saved()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        using var model = new Sequential(new Dense(3, 2, generator: new Generator(1)));
        model.Save(path);
        File.WriteAllText(Path.Combine(_dir, "model.json"), "{}");
        return path;
    }

    [Fact]
    public void Save_WritesASha256SumSidecar_AndVerifyCatchesAChange()
    {
        string path = Saved();
        string expected = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        Assert.Equal($"{expected}  model.safetensors\n", File.ReadAllText(path + ".sha256"));
        Assert.Equal(expected, ModelDigest.Verify(path, required: true));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        File.AppendAllText(path, " ");
        var e = Assert.Throws<ModelIntegrityException>(() => ModelDigest.Verify(path));
        Assert.Contains($"records {expected}", e.Message);
        File.Delete(path + ".sha256");
        Assert.Contains("has no digest file", Assert.Throws<ModelIntegrityException>(() => ModelDigest.Verify(path, required: true)).Message);
    }

    [Fact]
    public void Signature_VerifiesWithItsKey_NotAfterAChangeOrWithAnotherKey()
    {
        string path = Saved(), json = Path.Combine(_dir, "model.json");
        var (privatePem, publicPem) = ModelSignature.CreateKeyPair();
        ModelSignature.Sign(path, json, privatePem);
        ModelSignature.Verify(path, json, publicPem);
        Assert.Throws<ModelIntegrityException>(() => ModelSignature.Verify(path, json, ModelSignature.CreateKeyPair().PublicPem));
        Assert.Contains("a public key cannot sign", Assert.Throws<ModelIntegrityException>(() => ModelSignature.Sign(path, json, publicPem)).Message);
        File.WriteAllText(json, "{ }");
        Assert.Throws<ModelIntegrityException>(() => ModelSignature.Verify(path, json, publicPem));
        using var rsa = RSA.Create(2048);
        Assert.Contains("not an EC key", Assert.Throws<ModelIntegrityException>(() => ModelSignature.Verify(path, json, rsa.ExportSubjectPublicKeyInfoPem())).Message);
    }
}
