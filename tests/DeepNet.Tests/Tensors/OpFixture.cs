using System.Collections.Concurrent;
using DeepNet.Serialization;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Tensors;

/// <summary>
/// One case "name.*" of a functional-op file written by tools/FixtureGen/OpCase.cs, run at one float
/// dtype: the leaves ("name.key", F64 holding float32 values) load as <see cref="DType"/> tensors that
/// require grad, the constants keep integer/bool dtypes (floating ones take <see cref="DType"/>), and
/// <see cref="Check"/> compares the outputs "name.out&lt;k&gt;", then the gradients "name.grad.key" of
/// Σ_k Σ out_k⊙proj_k, with the tolerance of the dtype, on the CPU or (to hold the GPU kernels to torch
/// too) on ILGPU's CPU accelerator.
/// </summary>
public sealed class OpFixture(SafeTensorsFile file, string name, DType dtype, Device device)
{
    private static readonly ConcurrentDictionary<string, SafeTensorsFile> Files = new();
    private readonly List<(string Key, Tensor Leaf)> _inputs = [];

    /// <summary>|actual − reference| ≤ abs + rel·|reference|.</summary>
    public readonly record struct Tolerance(double Abs, double Rel);

    // Float32 computes from exact inputs and rounds each step; Float64 holds torch's float64 to ~1e-10.
    public static readonly Tolerance Float32Output = new(2e-5, 1e-4);
    public static readonly Tolerance Float32Gradient = new(1e-4, 1e-4);
    public static readonly Tolerance Float64Tolerance = new(1e-10, 1e-10);

    public DType DType => dtype;

    public static SafeTensorsFile File(string fileName) => Files.GetOrAdd(fileName, f =>
        SafeTensorsReader.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Torch", f + ".safetensors")));

    /// <summary>The case names of a file (every case has an "out0").</summary>
    public static IEnumerable<string> CaseNames(string fileName) =>
        File(fileName).Names.Where(n => n.EndsWith(".out0", StringComparison.Ordinal)).Select(n => n[..^".out0".Length]);

    public static OpFixture Load(string fileName, string name, DType dtype, Device? device = null) =>
        new(File(fileName), name, dtype, device ?? Device.Cpu);

    /// <summary>Runs one recorded case of <paramref name="fileName"/> through its DeepNet form and checks every output and input gradient.</summary>
    public static void RunCase(string fileName, IReadOnlyDictionary<string, Func<OpFixture, Tensor[]>> cases, string name, DType dtype, Device? device = null)
    {
        using var scope = new DisposeScope();
        var fixture = Load(fileName, name, dtype, device);
        fixture.Check(cases[name](fixture));
    }

    /// <summary>The file records exactly the cases the test class knows: none left untested, none missing.</summary>
    public static void AssertEveryCaseTested(string fileName, IReadOnlyDictionary<string, Func<OpFixture, Tensor[]>> cases) =>
        Assert.Equal(CaseNames(fileName).Order(), cases.Keys.Order());

    /// <summary>Every case in Float32 and Float64 (the CPU runs).</summary>
    public static TheoryData<string, DType> BothDTypes(IEnumerable<string> names)
    {
        var data = new TheoryData<string, DType>();
        foreach (string name in names)
        {
            data.Add(name, DType.Float32);
            data.Add(name, DType.Float64);
        }
        return data;
    }

    /// <summary>The recorded leaf <paramref name="key"/> as a <see cref="DType"/> tensor requiring grad.</summary>
    public Tensor In(string key)
    {
        using var stored = file[$"{name}.{key}"].ToTensor(device);
        var leaf = stored.To(dtype).RequiresGradient(true);
        _inputs.Add((key, leaf));
        return leaf;
    }

    /// <summary>A recorded constant: floating ones as <see cref="DType"/>, integer and bool ones in their own dtype.</summary>
    public Tensor Const(string key)
    {
        var stored = file[$"{name}.{key}"].ToTensor(device);
        if (!stored.DType.IsFloatingPoint()) return stored;
        using (stored) return stored.To(dtype);
    }

    /// <summary>Compares the outputs, then backpropagates Σ out⊙proj and compares every leaf's gradient.</summary>
    public void Check(Tensor[] outputs)
    {
        bool single = dtype == DType.Float32;
        Tensor? loss = null;
        for (int k = 0; k < outputs.Length; k++)
        {
            AssertClose($"out{k}", outputs[k], single ? Float32Output : Float64Tolerance);
            if (!outputs[k].DType.IsFloatingPoint() || !outputs[k].RequiresGrad) continue;
            var term = outputs[k].Mul(Const($"proj{k}")).Sum();
            loss = loss is null ? term : loss + term;
        }
        loss?.Backward();
        foreach (var (key, leaf) in _inputs)
            AssertClose($"grad.{key}", leaf.Grad ?? Tensor.ZerosLike(leaf), single ? Float32Gradient : Float64Tolerance);
    }

    /// <summary>Compares a tensor with the state "name.after.key" recorded after the op (running statistics).</summary>
    public void CheckAfter(string key, Tensor actual) =>
        AssertClose($"after.{key}", actual, dtype == DType.Float32 ? Float32Output : Float64Tolerance);

    private void AssertClose(string key, Tensor actual, Tolerance tolerance)
    {
        NamedArray expected = file[$"{name}.{key}"];
        string where = $"{name}.{key} ({dtype})";
        Assert.True(expected.Shape.SequenceEqual(actual.Shape.ToArray()),
            $"{where}: shape {actual.Shape}, expected [{string.Join(", ", expected.Shape)}]");
        if (expected.DType == DType.Int64)
        {
            Assert.True(actual.DType == DType.Int64, $"{where}: dtype {actual.DType}, expected Int64");
            Assert.Equal(expected.ToArray<long>(), actual.ToArray<long>());
            return;
        }
        double[] reference = expected.ToArray<double>();
        using var wide = actual.Detach().To(DType.Float64);
        double[] values = wide.ToArray<double>();
        for (int i = 0; i < values.Length; i++)
        {
            double e = reference[i], v = values[i];
            if (v == e || double.IsNaN(v) && double.IsNaN(e)) continue;   // equal infinities, NaN where torch has NaN
            double allowed = tolerance.Abs + tolerance.Rel * Math.Abs(e);
            Assert.True(Math.Abs(v - e) <= allowed, $"{where}[{i}]: expected {e:G10}, got {v:G10} (tolerance {allowed:G3})");
        }
    }
}
