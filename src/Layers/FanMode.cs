namespace DeepNet.Layers;

/// <summary>Which fan Kaiming initialization preserves: torch's mode='fan_in' (forward pass) or 'fan_out' (backward pass).</summary>
public enum FanMode
{
    /// <summary>fan_in = shape[1]·receptive field: keeps the variance of activations.</summary>
    FanIn,
    /// <summary>fan_out = shape[0]·receptive field: keeps the variance of gradients.</summary>
    FanOut,
}
