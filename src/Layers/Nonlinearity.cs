namespace DeepNet.Layers;

/// <summary>The nonlinearities torch.nn.init.calculate_gain knows, for <see cref="Init.Gain"/>.</summary>
public enum Nonlinearity
{
    /// <summary>Gain 1 (also torch's conv*d, conv_transpose*d and sigmoid).</summary>
    Linear,
    /// <summary>Gain 1.</summary>
    Sigmoid,
    /// <summary>Gain 5/3.</summary>
    Tanh,
    /// <summary>Gain √2.</summary>
    Relu,
    /// <summary>Gain √(2 / (1 + slope²)).</summary>
    LeakyRelu,
    /// <summary>Gain 3/4.</summary>
    Selu,
}
