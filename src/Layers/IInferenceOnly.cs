namespace DeepNet.Layers;

/// <summary>
/// Marks a module that runs inference only (the int8 layers of DeepNet.Layers.Quantized): a tree
/// holding one refuses <see cref="Module.Parameters"/> and <see cref="Module.NamedTrainableParameters"/>,
/// what an optimizer would be built from.
/// </summary>
internal interface IInferenceOnly;
