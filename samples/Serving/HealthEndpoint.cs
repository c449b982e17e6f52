namespace DeepNet.Serving;

/// <summary>
/// GET /health (readiness): 200 with the model's task and input shape once it is loaded and the
/// queue is not saturated; 503 while loading, after a failed load, or while saturated (so a
/// balancer sends new work elsewhere), always with the queue's fill.
/// </summary>
public static class HealthEndpoint
{
    /// <summary>Answers one readiness probe.</summary>
    public static IResult Handle(ModelStore store, InferenceQueue queue)
    {
        var queueState = new { instances = queue.QueuedInstances, capacity = queue.Capacity, last_wait_ms = queue.LastQueueWait.TotalMilliseconds };
        if (store.Model is not { } model)
            return Results.Json(new { status = store.State, error = store.Error, queue = queueState }, statusCode: StatusCodes.Status503ServiceUnavailable);
        string task = model.Architecture.Task.ToString().ToLowerInvariant();
        if (queue.Saturated)
            return Results.Json(new { status = "saturated", task, input_shape = model.Architecture.InputShape, queue = queueState },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        return Results.Ok(new
        {
            status = store.State, task, input_shape = model.Architecture.InputShape, queue = queueState,
            models = store.Models.ToDictionary(m => m.Key, m => m.Value.Select(h => h.Version)), reload_errors = store.ReloadErrors,
        });
    }
}
