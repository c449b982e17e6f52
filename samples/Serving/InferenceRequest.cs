namespace DeepNet.Serving;

/// <summary>Instances of one /predict request waiting for the model, and the promise of their output rows.</summary>
public sealed class InferenceRequest(float[] inputs, int count)
{
    /// <summary>[Count, features] row-major, validated and normalized.</summary>
    public float[] Inputs { get; } = inputs;

    /// <summary>Number of instances.</summary>
    public int Count { get; } = count;

    /// <summary>Completes with [Count, outputs] row-major once the batch holding these instances ran.</summary>
    public TaskCompletionSource<float[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
