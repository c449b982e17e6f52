using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;
using DeepNet.Serialization;

namespace DeepNet.Tests.Layers;

/// <summary>
/// One case of a libtorch reference file written by tools/FixtureGen: tensors named "<case>.<key>",
/// loaded as DeepNet tensors and compared elementwise with a stated tolerance.
/// </summary>
public sealed class TorchFixture(SafeTensorsFile file, string prefix)
{
    /// <summary>Loads Fixtures/Torch/<paramref name="fileName"/>.safetensors from the test output folder, case <paramref name="prefix"/>.</summary>
    public static TorchFixture Load(string fileName, string prefix) =>
        new(SafeTensorsReader.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Torch", fileName + ".safetensors")), prefix);

    public bool Has(string key) => file.TryGet($"{prefix}.{key}", out _);

    /// <summary>The recorded tensor <paramref name="key"/> as a new CPU tensor.</summary>
    public Tensor Tensor(string key, bool requiresGrad = false)
    {
        NamedArray array = file[$"{prefix}.{key}"];
        return DeepNet.Tensors.Tensor.FromArray(array.Data, array.Shape).RequiresGradient(requiresGrad);
    }

    /// <summary>Copies the recorded parameters into <paramref name="module"/> by their PyTorch names (strict).</summary>
    public void LoadInto(Module module)
    {
        var state = module.StateDict().Keys.ToDictionary(name => name, name => Tensor(name));
        try { module.LoadStateDict(state); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }

    /// <summary>Asserts |actual − reference| ≤ abs + rel·|reference| elementwise, shapes equal.</summary>
    public void AssertClose(string key, Tensor? actual, double abs, double rel = 1e-4)
    {
        Assert.NotNull(actual);
        NamedArray expected = file[$"{prefix}.{key}"];
        Assert.Equal(expected.Shape, actual.Shape.ToArray());
        float[] values = actual.ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] == expected.Data[i]) continue;                  // also equal infinities
            double tolerance = abs + rel * Math.Abs(expected.Data[i]);
            Assert.True(Math.Abs(values[i] - expected.Data[i]) <= tolerance,
                $"{prefix}.{key}[{i}]: expected {expected.Data[i]:G8}, got {values[i]:G8} (tolerance {tolerance:G3})");
        }
    }
}
