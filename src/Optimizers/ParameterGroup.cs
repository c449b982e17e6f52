using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>
/// Parameters that share hyper-parameters, as one entry of torch.optim's param_groups: a group's
/// learning rate and weight decay override the optimizer's defaults (null keeps them). Pass a
/// list of groups to any optimizer: <c>new Adam([new(backbone, learningRate: 1e-4), new(head)], 1e-3)</c>.
/// Unnamed parameters are named by their index over all groups ("0", "1", ...), as PyTorch does.
/// </summary>
public sealed class ParameterGroup
{
    /// <summary>A group of named parameters (e.g. <c>model.Head.NamedParameters()</c>).</summary>
    public ParameterGroup(IEnumerable<(string Name, Tensor Tensor)> parameters, double? learningRate = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters.Select(p => ((string?)p.Name, p.Tensor))];
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>A group of unnamed parameters (e.g. <c>layer.Parameters()</c>).</summary>
    public ParameterGroup(IEnumerable<Tensor> parameters, double? learningRate = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters.Select(p => ((string?)null, p))];
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The parameters, with their names where given.</summary>
    public IReadOnlyList<(string? Name, Tensor Tensor)> Parameters { get; }

    /// <summary>
    /// This group's learning rate at construction, or null for the optimizer's. A schedule scales
    /// every group by the same factor (as torch's schedulers scale each group's initial_lr).
    /// </summary>
    public double? LearningRate { get; }

    /// <summary>This group's weight decay, or null for the optimizer's.</summary>
    public double? WeightDecay { get; }
}
