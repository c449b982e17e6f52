using System.Diagnostics;

namespace DeepNet.Serving;

/// <summary>Instances of one /predict request waiting for the model, and the promise of their output rows.</summary>
public sealed class InferenceRequest(float[] inputs, int count, long deadline = long.MaxValue, CancellationToken aborted = default)
{
    /// <summary>[Count, features] row-major, validated and normalized.</summary>
    public float[] Inputs { get; } = inputs;

    /// <summary>Number of instances.</summary>
    public int Count { get; } = count;

    /// <summary>The <see cref="Stopwatch"/> timestamp after which the answer is no longer wanted.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>Cancelled when the client has gone (the request's RequestAborted).</summary>
    public CancellationToken Aborted { get; } = aborted;

    /// <summary>When it was queued (<see cref="Stopwatch"/> timestamp).</summary>
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>Set before completion when some output was non-finite and the model also yields NaN/Inf for an all-zero instance.</summary>
    public bool ModelNonFinite { get; set; }

    /// <summary>Why the work is no longer wanted ("client_gone", "deadline"), or null while it is.</summary>
    public string? AbandonReason =>
        Aborted.IsCancellationRequested ? "client_gone" : Stopwatch.GetTimestamp() > Deadline ? "deadline" : null;

    /// <summary>Completes with [Count, outputs] row-major once the batch holding these instances ran.</summary>
    public TaskCompletionSource<float[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
