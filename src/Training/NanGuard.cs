using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Tensors;

namespace DeepNet.Training;

/// <summary>What the trainer says about a NaN/Inf and about a model that would train silently worse.</summary>
internal static class NanGuard
{
    /// <summary>" (the input batch holds 3 NaN/Inf values: ...)" or a hint when the input is finite; reads the batch to the host, so only on the failure path.</summary>
    public static string Diagnose(Tensor input)
    {
        // Integer and Bool inputs (token ids, masks) are always finite.
        int bad = !input.DType.IsFloatingPoint() ? 0
            : input.DType == DType.Float32 ? input.ToArray().Count(v => !float.IsFinite(v))
            : CountNonFinite(input);
        return bad > 0
            ? $" (the input batch holds {bad} NaN/Inf values of {input.Size}: clean or impute the data)"
            : " (the input batch is finite: try a lower learning rate, gradient clipping, or check the loss's inputs)";
    }

    private static int CountNonFinite(Tensor input)
    {
        using var scope = new DisposeScope();
        return input.To(DType.Float64).ToArray<double>().Count(v => !double.IsFinite(v));
    }

    /// <summary>A warning when a Sequential ends in Softmax and the loss is CrossEntropyLoss (which applies log-softmax itself); null otherwise.</summary>
    public static string? SoftmaxBeforeCrossEntropy(Module model, Loss loss)
    {
        if (loss is not CrossEntropyLoss) return null;
        Module last = model;
        while (last is Sequential { Count: > 0 } sequential) last = sequential[sequential.Count - 1];
        if (last is not Softmax) return null;
        return "the model ends in a Softmax layer and the loss is CrossEntropyLoss, which applies log-softmax to its input itself: " +
            "softmax is applied twice and training is slower and worse. Remove the last Softmax (CrossEntropyLoss takes logits), " +
            "and apply Softmax to the model's outputs when you need probabilities";
    }
}
