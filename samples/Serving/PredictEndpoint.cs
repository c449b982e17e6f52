using System.Buffers;
using System.Diagnostics;
using DeepNet.Layers;
using Microsoft.Extensions.Options;
using DeepNet.Serialization;

namespace DeepNet.Serving;

/// <summary>
/// POST /predict: read the body (bounded), validate it, queue it for the batched forward pass and
/// answer <c>{"predictions": [...]}</c>; every refusal is a problem-details JSON body with a status
/// (400 invalid input, 413 body too large, 503 not ready or queue full) and a "kind".
/// </summary>
public static class PredictEndpoint
{
    /// <summary>Handles one request.</summary>
    public static async Task<IResult> Handle(HttpContext context, ModelStore store, InferenceQueue queue,
        ServingMetrics metrics, IOptions<ServingOptions> options)
    {
        long started = Stopwatch.GetTimestamp();
        metrics.Requests.Inc();
        try
        {
            var model = store.Model;
            if (model is null) return Refuse(metrics, 503, "not_ready", $"the model is {store.State}, not ready yet");
            var settings = options.Value;
            var body = await ReadBodyAsync(context.Request, settings.MaxBodyBytes, context.RequestAborted);
            if (body is null)
                return Refuse(metrics, 413, "body_too_large", $"the request body is larger than the limit of {settings.MaxBodyBytes} bytes");
            var input = PredictRequestParser.Parse(body.Value, model.Architecture, settings.MaxInstances);
            if (!input.IsValid) return Refuse(metrics, 400, input.ErrorKind!, input.Error!);

            var request = new InferenceRequest(input.Inputs!, input.Count);
            if (!queue.TryEnqueue(request))
                return Refuse(metrics, 503, "queue_full", "the server is at capacity (inference queue full) or shutting down; retry later");
            float[] outputs = await request.Completion.Task.WaitAsync(context.RequestAborted);
            metrics.Instances.Inc(input.Count);
            return Results.Json(new PredictResponse(Predictions(model, outputs, input.Count)));
        }
        finally
        {
            metrics.Latency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static IResult Refuse(ServingMetrics metrics, int status, string kind, string detail)
    {
        metrics.Errors.WithLabels(kind).Inc();
        string title = status switch
        {
            400 => "Invalid prediction request",
            413 => "Request body too large",
            _ => "Service unavailable",
        };
        return Results.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["kind"] = kind });
    }

    /// <summary>The body bytes, or null when they exceed <paramref name="limit"/> (checked on Content-Length and while reading).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancel)
    {
        if (request.ContentLength > limit) return null;
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            int read = await request.Body.ReadAsync(memory, cancel);
            if (read == 0) return buffer.WrittenMemory;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
    }

    private static List<object> Predictions(LoadedModel model, float[] outputs, int count)
    {
        var architecture = model.Architecture;
        int width = model.OutputWidth;
        var predictions = new List<object>(count);
        for (int i = 0; i < count; i++)
        {
            float[] row = outputs.AsSpan(i * width, width).ToArray();
            if (architecture.Task == ModelTask.Regression)
            {
                predictions.Add(new RegressionPrediction(row));
                continue;
            }
            int best = 0;
            for (int k = 1; k < width; k++)
                if (row[k] > row[best]) best = k;
            predictions.Add(new ClassPrediction(best, architecture.ClassNames?[best], row));
        }
        return predictions;
    }
}
