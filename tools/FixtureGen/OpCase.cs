using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGen;

/// <summary>
/// One functional-op case "<c>name</c>.*" for tests/DeepNet.Tests/Tensors/*FixtureTests.cs: float64
/// leaves holding float32 values ("name.key", requiring grad), constants ("name.key": float ones
/// float64, indices int64), the outputs "name.out0", "name.out1", ..., a float32-valued projection
/// "name.proj&lt;k&gt;" per floating output, and the gradients "name.grad.key" of Σ_k Σ out_k⊙proj_k
/// (zeros where an input gets none). Everything float is stored as F64, so the Float64 run of a test
/// can hold DeepNet to ~1e-10 and the Float32 run rounds the same inputs exactly.
/// </summary>
internal sealed class OpCase(FixtureFile file, string name, int seed)
{
    private readonly List<(string Key, Tensor Leaf)> _inputs = [];
    private bool _seeded;

    /// <summary>A standard normal float32-valued leaf of <paramref name="shape"/>, times <paramref name="scale"/> (a power of two keeps it exact).</summary>
    public Tensor Randn(string key, long[] shape, double scale = 1.0)
    {
        Seed();
        return Input(key, randn(shape, dtype: ScalarType.Float32).to_type(ScalarType.Float64) * scale);
    }

    /// <summary>Records an existing leaf (a module's parameter holding float32 values) and, later, its gradient.</summary>
    public Tensor Leaf(string key, Tensor leaf)
    {
        _inputs.Add((key, leaf));
        file.Add($"{name}.{key}", leaf);
        return leaf;
    }

    /// <summary>A leaf with the given values (rounded to float32 first).</summary>
    public Tensor Input(string key, Tensor values)
    {
        var leaf = values.detach().to_type(ScalarType.Float32).to_type(ScalarType.Float64).requires_grad_();
        _inputs.Add((key, leaf));
        file.Add($"{name}.{key}", leaf);
        return leaf;
    }

    /// <summary>A leaf of the given values, reshaped.</summary>
    public Tensor Input(string key, Tensor values, long[] shape) => Input(key, values.reshape(shape));

    /// <summary>A constant (no gradient): floating values are rounded to float32 and stored F64, integer and bool ones as they are.</summary>
    public Tensor Const(string key, Tensor value)
    {
        var stored = value.is_floating_point() ? value.to_type(ScalarType.Float32).to_type(ScalarType.Float64) : value;
        file.Add($"{name}.{key}", stored);
        return stored;
    }

    /// <summary>Records a tensor computed after the op (e.g. running statistics moved in place).</summary>
    public void After(string key, Tensor value) => file.Add($"{name}.after.{key}", value.detach().to_type(ScalarType.Float64));

    /// <summary>Records the outputs, a projection per floating output, and every leaf's gradient of Σ out⊙P.</summary>
    public void Outputs(params Tensor[] outputs)
    {
        Seed();
        Tensor? loss = null;
        for (int k = 0; k < outputs.Length; k++)
        {
            var output = outputs[k];
            file.Add($"{name}.out{k}", output.is_floating_point() ? output.detach().to_type(ScalarType.Float64) : output);
            if (!output.is_floating_point()) continue;
            var projection = randn(output.shape, dtype: ScalarType.Float32).to_type(ScalarType.Float64);
            file.Add($"{name}.proj{k}", projection);
            if (!output.requires_grad) continue;
            var term = (output * projection).sum();
            loss = loss is null ? term : loss + term;
        }
        loss?.backward();
        foreach (var (key, leaf) in _inputs)
            file.Add($"{name}.grad.{key}", leaf.grad is null ? zeros_like(leaf) : leaf.grad);
    }

    private void Seed()
    {
        if (_seeded) return;
        manual_seed(seed);
        _seeded = true;
    }
}
