using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGen;

// torch.nn.MultiheadAttention / TransformerEncoderLayer references for
// tests/DeepNet.Tests/Layers/AttentionFixtureTests.cs. Every parameter is redrawn as 0.5·N(0, 1)
// rounded to float32 (the default zero biases and unit norms would hide mistakes). Sequence-first
// layout [L, N, E]; masks stored as float (key padding: 1 = ignored; attn_mask: additive, −∞ = blocked).
// The loss whose gradients are stored is Σ output⊙P (+ Σ weights⊙Q).
internal static partial class Fixtures
{
    private const long Embed = 4, Heads = 2, Feedforward = 6, Batch2 = 2;

    [Fixture]
    public static void Attention(FixtureFile file)
    {
        manual_seed(40);
        // Self-attention with a causal mask and the last key of batch element 1 padded.
        var mha = nn.MultiheadAttention(Embed, Heads).to(ScalarType.Float64);
        RandomizeParameters(mha);
        var x = Float32Randn([3, Batch2, Embed]);
        var padding = PaddingMask(3);
        var causal = CausalMask(3);
        var (output, weights) = mha.call(x, x, x, padding.to_type(ScalarType.Bool), true, causal);
        RecordAttention(file, "self", mha, [("query", x)], output, weights);
        file.AddFloat32("self.key_padding_mask", padding);
        file.AddFloat32("self.attn_mask", causal);

        // Cross-attention without biases: 3 queries over 5 keys/values, no masks.
        manual_seed(41);
        var cross = nn.MultiheadAttention(Embed, Heads, bias: false).to(ScalarType.Float64);
        RandomizeParameters(cross);
        var query = Float32Randn([3, Batch2, Embed]);
        var key = Float32Randn([5, Batch2, Embed]);
        var value = Float32Randn([5, Batch2, Embed]);
        var (crossOutput, crossWeights) = cross.call(query, key, value, null, true, null);
        RecordAttention(file, "cross", cross, [("query", query), ("key", key), ("value", value)], crossOutput, crossWeights);
    }

    [Fixture]
    public static void Transformer(FixtureFile file)
    {
        // Post-norm, Relu: libtorch's own TransformerEncoderLayer (sequence-first, no norm_first in TorchSharp).
        manual_seed(50);
        var layer = nn.TransformerEncoderLayer(Embed, Heads, Feedforward, 0.0, nn.Activations.ReLU).to(ScalarType.Float64);
        layer.eval();
        RandomizeParameters(layer);
        var src = Float32Randn([3, Batch2, Embed]);
        var padding = PaddingMask(3);
        var causal = CausalMask(3);
        var output = layer.call(src, causal, padding.to_type(ScalarType.Bool));
        RecordAttention(file, "post_relu", layer, [("src", src)], output, null);
        file.AddFloat32("post_relu.key_padding_mask", padding);
        file.AddFloat32("post_relu.attn_mask", causal);

        // Pre-norm, Gelu, as PyTorch's Python TransformerEncoderLayer(norm_first=True) composes it.
        manual_seed(51);
        var attention = nn.MultiheadAttention(Embed, Heads).to(ScalarType.Float64);
        var linear1 = nn.Linear(Embed, Feedforward, dtype: ScalarType.Float64);
        var linear2 = nn.Linear(Feedforward, Embed, dtype: ScalarType.Float64);
        var norm1 = nn.LayerNorm(Embed, dtype: ScalarType.Float64);
        var norm2 = nn.LayerNorm(Embed, dtype: ScalarType.Float64);
        var parts = new (string Name, nn.Module Module)[] { ("self_attn", attention), ("linear1", linear1), ("linear2", linear2), ("norm1", norm1), ("norm2", norm2) };
        foreach (var (_, module) in parts) RandomizeParameters(module);
        var input = Float32Randn([3, Batch2, Embed]);
        var normed = norm1.call(input);
        var h = input + attention.call(normed, normed, normed, padding.to_type(ScalarType.Bool), false, null).Item1;
        var y = h + linear2.call(nn.functional.gelu(linear1.call(norm2.call(h))));
        var projection = Float32Randn(y.shape).requires_grad_(false);
        (y * projection).sum().backward();
        file.AddFloat32("pre_gelu.src", input);
        file.AddFloat32("pre_gelu.grad.src", input.grad!);
        file.AddFloat32("pre_gelu.output", y);
        file.AddFloat32("pre_gelu.P", projection);
        file.AddFloat32("pre_gelu.key_padding_mask", padding);
        foreach (var (prefix, module) in parts)
            foreach (var (name, parameter) in module.named_parameters())
            {
                file.AddFloat32($"pre_gelu.{prefix}.{name}", parameter);
                file.AddFloat32($"pre_gelu.grad.{prefix}.{name}", parameter.grad!);
            }
    }

    /// <summary>[N, S] with the last key of batch element 1 marked 1 (ignored).</summary>
    private static Tensor PaddingMask(long keys)
    {
        var mask = zeros(Batch2, keys, dtype: ScalarType.Float64);
        mask[1, keys - 1] = tensor(1.0);
        return mask;
    }

    /// <summary>[L, L] additive mask, −∞ above the diagonal.</summary>
    private static Tensor CausalMask(long length) =>
        triu(full(length, length, double.NegativeInfinity, dtype: ScalarType.Float64), 1);

    private static void RandomizeParameters(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, parameter) in module.named_parameters())
            parameter.copy_((randn_like(parameter) * 0.5).to_type(ScalarType.Float32).to_type(ScalarType.Float64));
    }

    private static void RecordAttention(FixtureFile file, string name, nn.Module module, (string Name, Tensor Value)[] inputs, Tensor output, Tensor? weights)
    {
        var p = Float32Randn(output.shape).requires_grad_(false);
        var loss = (output * p).sum();
        file.AddFloat32($"{name}.output", output);
        file.AddFloat32($"{name}.P", p);
        if (weights is not null)
        {
            var q = Float32Randn(weights.shape).requires_grad_(false);
            loss = loss + (weights * q).sum();
            file.AddFloat32($"{name}.weights", weights);
            file.AddFloat32($"{name}.Q", q);
        }
        loss.backward();
        foreach (var (inputName, value) in inputs)
        {
            file.AddFloat32($"{name}.{inputName}", value);
            file.AddFloat32($"{name}.grad.{inputName}", value.grad!);
        }
        foreach (var (parameterName, parameter) in module.named_parameters())
        {
            file.AddFloat32($"{name}.{parameterName}", parameter);
            file.AddFloat32($"{name}.grad.{parameterName}", parameter.grad!);
        }
    }
}
