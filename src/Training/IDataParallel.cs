using DeepNet.Layers;

namespace DeepNet.Training;

/// <summary>
/// What the <see cref="Trainer"/> needs of data-parallel training (implemented by
/// DeepNet.Distributed's DistributedDataParallel over MPI): the process's rank, the gradient
/// averaging between backward and the optimizer step, and sums of metrics across processes.
/// With it the same Trainer runs under <c>mpirun -np N</c>: only rank 0 prints and writes checkpoints.
/// </summary>
public interface IDataParallel
{
    /// <summary>The model whose gradients are synchronized (the one given to Fit).</summary>
    Module Module { get; }

    /// <summary>This process's index, 0 ≤ Rank &lt; WorldSize; rank 0 prints and writes files.</summary>
    int Rank { get; }

    /// <summary>Number of processes training together.</summary>
    int WorldSize { get; }

    /// <summary>
    /// Called after backward and before the optimizer step: when it returns, every parameter's
    /// Grad holds the mean of the ranks' gradients.
    /// </summary>
    void SynchronizeGradients();

    /// <summary>Replaces each value with its sum over all ranks (every rank calls it with the same length).</summary>
    void SumAcrossRanks(double[] values);
}
