using System.Runtime.InteropServices;
using DeepNet.Layers;
using DeepNet.Serialization;
using Xunit;
using Device = DeepNet.Tensors.Device;

namespace DeepNet.Serving.Tests;

/// <summary>What LoadedModel.Load refuses before serving: changed, unsigned or badly signed files, NaN weights, oversized architectures, FIFOs.</summary>
public sealed class ModelIntegrityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deepnet-integrity-").FullName;

    private string SaveRegressor(string name, Action<Sequential>? edit = null)
    {
        var g = new Tensors.Generator(5);
        using var model = new Sequential(new Dense(4, 3, generator: g), new Tanh(), new Dense(3, 2, generator: g));
        edit?.Invoke(model);
        string weights = Path.Combine(_folder, name + ".safetensors");
        model.Save(weights);
        ModelArchitecture.Describe(model, [4], ModelTask.Regression, weightsFile: name + ".safetensors", name: name).Save(Path.ChangeExtension(weights, ".json"));
        return weights;
    }

    [Fact]
    public void Save_RecordsTheDigest_AndAFlippedByteRefusesToLoad_NamingFileAndBothDigests()
    {
        string weights = SaveRegressor("flip");
        string recorded = File.ReadAllText(weights + ".sha256").Split(' ')[0];
        Assert.Equal(ModelDigest.Compute(weights), recorded);
        using (var ok = LoadedModel.Load(weights, Device.Cpu)) Assert.True(ok.DigestVerified);

        byte[] bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0x10;  // inside the last weight: still a valid file, just a wrong number
        File.WriteAllBytes(weights, bytes);
        var e = Assert.Throws<ModelIntegrityException>(() => LoadedModel.Load(weights, Device.Cpu));
        Assert.Contains("flip.safetensors", e.Message);
        Assert.Contains(recorded, e.Message);
        Assert.Contains(ModelDigest.Compute(weights), e.Message);
    }

    [Fact]
    public void MissingDigest_LoadsUnverified_OrIsRefusedWhenRequired()
    {
        string weights = SaveRegressor("nodigest");
        File.Delete(weights + ".sha256");
        using (var model = LoadedModel.Load(weights, Device.Cpu)) Assert.False(model.DigestVerified);
        var e = Assert.Throws<ModelIntegrityException>(() => LoadedModel.Load(weights, Device.Cpu, new ModelLoadPolicy(RequireDigest: true)));
        Assert.Contains("nodigest.safetensors' has no digest file", e.Message);
    }

    [Fact]
    public void Signatures_SignedLoads_TamperedUnsignedOrOtherKeyIsRefused()
    {
        string weights = SaveRegressor("signed");
        var output = new StringWriter();
        Assert.Equal(0, SignCommand.Run(["keygen", "--out", Path.Combine(_folder, "keys")], output, output));
        Assert.Equal(0, SignCommand.Run(["sign", "--model", weights, "--key", Path.Combine(_folder, "keys", "model-signing.key")], output, output));
        var policy = new ModelLoadPolicy(PublicKeyPem: File.ReadAllText(Path.Combine(_folder, "keys", "model-signing.pub")));
        using (var model = LoadedModel.Load(weights, Device.Cpu, policy)) Assert.True(model.SignatureVerified);

        var other = new ModelLoadPolicy(PublicKeyPem: ModelSignature.CreateKeyPair().PublicPem);
        Assert.Contains("another key signed them", Assert.Throws<ModelIntegrityException>(() => LoadedModel.Load(weights, Device.Cpu, other)).Message);

        // The architecture has no digest sidecar, but the signature covers it.
        string json = Path.ChangeExtension(weights, ".json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"Tanh\"", "\"Relu\""));
        var tampered = Assert.Throws<ModelIntegrityException>(() => LoadedModel.Load(weights, Device.Cpu, policy));
        Assert.Contains("signed.safetensors.sig' does not match", tampered.Message);

        string unsigned = SaveRegressor("unsigned");
        Assert.Contains("unsigned.safetensors' is unsigned",
            Assert.Throws<ModelIntegrityException>(() => LoadedModel.Load(unsigned, Device.Cpu, policy)).Message);
    }

    [Fact]
    public void NaNWeight_RefusesToLoad_NamingTheTensor()
    {
        string weights = SaveRegressor("nan", m =>
        {
            using var noGrad = Autograd.GradMode.NoGrad();
            ((Dense)m[2]).Weight.Fill(float.NaN);
        });
        var e = Assert.Throws<ModelArchitectureException>(() => LoadedModel.Load(weights, Device.Cpu));
        Assert.Contains("nan.safetensors': tensor '2.weight' [2, 3] holds NaN at flat index 0", e.Message);
        using var allowed = LoadedModel.Load(weights, Device.Cpu, new ModelLoadPolicy(AllowNonFiniteWeights: true));
        Assert.False(allowed.ZeroInstanceIsFinite());
    }

    [Fact]
    public void HugeDense_IsRefusedBeforeAllocating_WithAConfigurableLimit()
    {
        string weights = SaveRegressor("huge");
        string json = Path.ChangeExtension(weights, ".json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"in_features\": 3", "\"in_features\": 20000").Replace("\"out_features\": 2", "\"out_features\": 20000"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelArchitectureException>(() => LoadedModel.Load(weights, Device.Cpu));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the refusal allocated the layer first");
        Assert.Contains("huge.json' declares 400,020,", e.Message);
        Assert.Contains("over the limit of 100,000,000 (Serving:MaxParameters); the largest is layer 2 (Dense)", e.Message);
        // Under a generous limit it is still refused before allocating: the weights file cannot hold it.
        e = Assert.Throws<ModelArchitectureException>(() => LoadedModel.Load(weights, Device.Cpu, new ModelLoadPolicy(MaxParameters: 1_000_000_000)));
        Assert.Contains("but the weights file is only", e.Message);
        File.WriteAllText(json, File.ReadAllText(json).Replace("20000", "3"));
        Assert.Contains("over the limit of 10 ", Assert.Throws<ModelArchitectureException>(() =>
            LoadedModel.Load(weights, Device.Cpu, new ModelLoadPolicy(MaxParameters: 10))).Message);
    }

    [Fact]
    public void Fifo_AsWeights_IsRefusedAtOnce_AndSlowLoadsTimeOut()
    {
        string weights = SaveRegressor("fifo");
        if (OperatingSystem.IsLinux())
        {
            File.Delete(weights);
            Assert.Equal(0, MkFifo(weights, Convert.ToUInt32("600", 8)));
            var started = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<IOException>(() => LoadedModel.Load(weights, Device.Cpu));
            Assert.Contains("fifo.safetensors' is empty or not a regular file", e.Message);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));
        }
        var timeout = Assert.Throws<TimeoutException>(() => LoadedModel.LoadWithin(SaveRegressor("slow"), Device.Cpu, ModelLoadPolicy.Default, TimeSpan.Zero));
        Assert.Contains("slow.safetensors' did not finish within 0 s", timeout.Message);
    }

    [Fact]
    public void CorruptWeights_ErrorNamesTheFile()
    {
        string weights = SaveRegressor("corrupt");
        File.WriteAllBytes(weights, [32, 0, 0, 0, 0, 0, 0, 0, .. Enumerable.Repeat((byte)'{', 32)]);
        File.Delete(weights + ".sha256");
        var e = Assert.Throws<SafeTensorsFormatException>(() => LoadedModel.Load(weights, Device.Cpu));
        Assert.Contains("model weights '" + weights + "'", e.Message);
    }

    [DllImport("libc", EntryPoint = "mkfifo")]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
