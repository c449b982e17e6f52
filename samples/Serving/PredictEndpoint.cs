using System.Diagnostics;
using DeepNet.Layers;
using Microsoft.Extensions.Options;
using DeepNet.Serialization;

namespace DeepNet.Serving;

/// <summary>
/// POST /predict: check the Content-Type, read the body (bounded), validate it, queue it for the
/// batched forward pass before its deadline and answer <c>{"predictions": [...]}</c>. Every refusal
/// is a problem-details JSON body with a status and a "kind" (counted by <see cref="PredictMetricsMiddleware"/>):
/// 400 invalid input or malformed body, 408 body too slow, 413 body too large, 415 not JSON,
/// 422 finite input the model cannot represent (NaN/Inf out), 500 a model that yields NaN/Inf,
/// 503 not ready, queue full or deadline passed.
/// </summary>
public static class PredictEndpoint
{
    /// <summary>Handles one request.</summary>
    public static async Task<IResult> Handle(HttpContext context, ModelStore store, InferenceQueue queue,
        ServingMetrics metrics, IOptions<ServingOptions> options, ILogger<InferenceQueue> logger)
    {
        long started = Stopwatch.GetTimestamp();
        metrics.Requests.Inc();
        try
        {
            var model = store.Model;
            if (model is null) return Refuse(context, 503, "not_ready", $"the model is {store.State}, not ready yet");
            if (ContentTypeError(context.Request.ContentType) is { } mediaError) return Refuse(context, 415, "unsupported_media_type", mediaError);
            var settings = options.Value;
            long deadline = started + (long)(settings.RequestTimeoutMs * Stopwatch.Frequency / 1000.0);
            ReadOnlyMemory<byte>? body;
            try
            {
                body = await RequestBody.ReadAsync(context.Request.Body, context.Request.ContentLength, settings.MaxBodyBytes, context.RequestAborted);
            }
            catch (BadHttpRequestException e)
            {
                // Kestrel's refusal (malformed chunk, body below the minimum data rate): one line, no stack trace.
                string kind = e.StatusCode == StatusCodes.Status408RequestTimeout ? "body_too_slow" : "bad_request_body";
                logger.LogWarning("predict: request body refused with {Status} ({Kind}): {Message}", e.StatusCode, kind, e.Message);
                return Refuse(context, e.StatusCode, kind, $"the request body could not be read: {e.Message}");
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The connection went away mid-upload (reset, or aborted by the client).
                return ClientGone(context, logger);
            }
            if (body is null)
                return Refuse(context, 413, "body_too_large", $"the request body is larger than the limit of {settings.MaxBodyBytes} bytes");
            var input = PredictRequestParser.Parse(body.Value, model.Architecture, settings.MaxInstances, model.Text);
            if (!input.IsValid) return Refuse(context, 400, input.ErrorKind!, input.Error!);

            var request = new InferenceRequest(input.Inputs!, input.Count, deadline, context.RequestAborted);
            if (!queue.TryEnqueue(request))
                return Refuse(context, 503, "queue_full",
                    $"the server is at capacity ({queue.QueuedInstances} of {queue.Capacity} instances queued) or shutting down; retry later");
            float[] outputs;
            try
            {
                var remaining = TimeSpan.FromSeconds(Math.Max(0, (double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency));
                outputs = await request.Completion.Task.WaitAsync(remaining, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return ClientGone(context, logger);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                return Refuse(context, 503, "deadline_exceeded", $"the request was not served within its deadline of {settings.RequestTimeoutMs} ms; retry later");
            }
            catch (Exception e)
            {
                return Refuse(context, 500, "inference", $"inference failed: {e.Message}");
            }
            if (NonFiniteRow(outputs, model.OutputWidth) is int bad)
            {
                return request.ModelNonFinite
                    ? Refuse(context, 500, "model_non_finite", "the model produced NaN/Inf outputs, even for an all-zero instance: the served model is broken")
                    : Refuse(context, 422, "non_finite_output",
                        $"instances[{bad}] drives the model to NaN/Inf outputs: its values are too large for the model to compute in float32");
            }
            metrics.Instances.Inc(input.Count);
            return Results.Json(new PredictResponse(Predictions(model, outputs, input.Count)));
        }
        finally
        {
            metrics.Latency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>Null when <paramref name="contentType"/> is application/json (charset utf-8 if given), else why not.</summary>
    public static string? ContentTypeError(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return "the request has no Content-Type: send application/json";
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media))
            return $"Content-Type '{contentType}' is not a media type: send application/json";
        if (!media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return $"Content-Type '{media.MediaType}' is not accepted: send application/json";
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            return $"charset '{media.Charset}' is not accepted: send UTF-8 JSON";
        return null;
    }

    private static int? NonFiniteRow(float[] outputs, int width)
    {
        int index = Array.FindIndex(outputs, v => !float.IsFinite(v));
        return index < 0 ? null : index / width;
    }

    // 499 (nginx's "client closed request"): nobody reads the answer, but the metrics see it.
    private static IResult ClientGone(HttpContext context, ILogger logger)
    {
        logger.LogDebug("predict: the client went away before its answer");
        context.Items[PredictMetricsMiddleware.KindKey] = "client_gone";
        return Results.StatusCode(499);
    }

    private static IResult Refuse(HttpContext context, int status, string kind, string detail)
    {
        context.Items[PredictMetricsMiddleware.KindKey] = kind;
        string title = status switch
        {
            400 => "Invalid prediction request",
            408 => "Request body too slow",
            413 => "Request body too large",
            415 => "Unsupported media type",
            422 => "Input the model cannot compute",
            500 => "Model failure",
            503 => "Service unavailable",
            _ => "Bad request body",
        };
        return Results.Problem(detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["kind"] = kind });
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
