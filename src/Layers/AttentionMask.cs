using System.Diagnostics.CodeAnalysis;
using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// An attention mask that says what its values mean. As PyTorch, a Bool tensor is a blocked mask
/// (True = may not attend) and a float tensor is added to the scores; <see cref="Blocked"/>
/// (True or nonzero = may not attend) and <see cref="Additive"/> (added, −∞ blocks) say it
/// explicitly. A raw tensor converts implicitly: Bool as blocked, float as additive unless every
/// value is 0 or 1 (that tensor could be either, so it is refused with an error naming the two
/// factories); another dtype is refused.
/// </summary>
public sealed class AttentionMask
{
    private AttentionMask(Tensor values, bool blocked, int causalSize = 0)
    {
        Values = values;
        IsBlocked = blocked;
        CausalSize = causalSize;
    }

    /// <summary>The mask as given.</summary>
    public Tensor Values { get; }

    /// <summary>True for a <see cref="Blocked"/> mask, false for an <see cref="Additive"/> one.</summary>
    public bool IsBlocked { get; }

    /// <summary>A float mask added to the attention scores (PyTorch's float attn_mask): 0 keeps, −∞ blocks.</summary>
    public static AttentionMask Additive(Tensor values) => new(values, blocked: false);

    /// <summary>PyTorch's bool attn_mask: True (or, for a float tensor, nonzero) = may not attend.</summary>
    public static AttentionMask Blocked(Tensor blocked) => new(blocked, blocked: true);

    /// <summary>
    /// [size, size] causal mask: position i attends to j ≤ i only. Attention runs it as the fused
    /// kernel's causal flag (no mask is read); <see cref="Values"/> holds the additive form.
    /// </summary>
    public static AttentionMask Causal(int size, Device? device = null) => new(MultiHeadAttention.CausalMask(size, device), false, size);

    /// <summary>The size of a <see cref="Causal"/> mask, 0 for any other.</summary>
    internal int CausalSize { get; }

    /// <summary>
    /// A raw tensor is taken as additive, as PyTorch takes a float mask; one whose values are all 0
    /// or 1 is refused (it reads equally as a blocked mask, and adding it would shift scores by 1).
    /// </summary>
    [return: NotNullIfNotNull(nameof(values))]
    public static implicit operator AttentionMask?(Tensor? values)
    {
        if (values is null) return null;
        if (values.DType == DType.Bool) return Blocked(values);
        if (!values.DType.IsFloatingPoint())
            throw new ArgumentException($"multi_head_attention: a {values.DType} mask {values.Shape} is neither a Bool mask (True = may not attend) nor a float additive mask; convert it with To(DType.Bool)");
        using var plain = values.Detach();
        using var host = plain.To(DType.Float32);
        if (host.ToArray().All(v => v is 0f or 1f))
            throw new ArgumentException(
                $"multi_head_attention: a mask {values.Shape} holding only 0 and 1 is ambiguous: wrap it as " +
                "AttentionMask.Blocked(mask) if nonzero means 'may not attend' (PyTorch's bool mask), or " +
                "AttentionMask.Additive(mask) if it is added to the scores (PyTorch's float mask)");
        return Additive(values);
    }

    /// <summary>The additive form (−∞ where blocked, 0 elsewhere, or the values themselves), in the caller's scope.</summary>
    internal Tensor ToAdditive()
    {
        if (!IsBlocked) return Values.AliasInGraph();
        using var noGrad = GradMode.NoGrad();
        return DisposeScope.Run(() =>
            Tensor.Where(Values, Tensor.Full([], float.NegativeInfinity, Values.Device), Tensor.Zeros([], Values.Device)));
    }
}
