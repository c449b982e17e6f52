using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace DeepNet.Serving;

/// <summary>
/// The KServe / Open Inference Protocol v2 REST endpoints beside /predict: server and model
/// health, metadata and infer (JSON tensors, or the binary tensor extension tritonclient uses).
/// Errors are <c>{"error": "..."}</c> as the protocol specifies. A request pins the version it
/// resolved (a lease), so a reload never changes the model under it.
/// </summary>
public static class V2Protocol
{
    /// <summary>The one input tensor's name in metadata and requests.</summary>
    public const string InputName = "input";

    /// <summary>The one output tensor's name (probabilities for a classifier, values for a regressor).</summary>
    public const string OutputName = "output";

    private const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>Maps /v2/...; <paramref name="secured"/> gets the metadata and infer routes (authorization, rate limit).</summary>
    public static void Map(IEndpointRouteBuilder app, Action<IEndpointConventionBuilder> secured)
    {
        app.MapGet("/v2/health/live", () => Results.Ok(new { live = true }));
        app.MapGet("/v2/health/ready", (ModelStore store) => store.Models.Count > 0 && store.State == "ready"
            ? Results.Ok(new { ready = true }) : Results.Json(new { ready = false, error = store.Error ?? store.State }, statusCode: 503));
        app.MapGet("/v2/models/{name}/ready", (ModelStore store, string name) => Ready(store, name, null));
        app.MapGet("/v2/models/{name}/versions/{version}/ready", (ModelStore store, string name, string version) => Ready(store, name, version));
        var group = app.MapGroup("/v2");
        group.MapGet("", () => Results.Ok(new { name = "deepnet", version = typeof(V2Protocol).Assembly.GetName().Version?.ToString(), extensions = new[] { "binary_tensor_data", "model_repository" } }));
        group.MapGet("/models/{name}", (ModelStore store, string name) => Metadata(store, name, null));
        group.MapGet("/models/{name}/versions/{version}", (ModelStore store, string name, string version) => Metadata(store, name, version));
        group.MapPost("/models/{name}/infer", (HttpContext c, ModelStore s, InferenceQueue q, IOptions<ServingOptions> o, string name) => Infer(c, s, q, o.Value, name, null));
        group.MapPost("/models/{name}/versions/{version}/infer",
            (HttpContext c, ModelStore s, InferenceQueue q, IOptions<ServingOptions> o, string name, string version) => Infer(c, s, q, o.Value, name, version));
        secured(group);
    }

    /// <summary>The v2 error body with <paramref name="status"/>.</summary>
    public static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static IResult Missing(string name, string? version) =>
        Error(404, version is null ? $"model '{name}' is not loaded" : $"model '{name}' version '{version}' is not loaded");

    private static IResult Ready(ModelStore store, string name, string? version)
    {
        var handle = store.Acquire(name, version);
        if (handle is null) return Missing(name, version);
        handle.Release();
        return Results.Ok(new { name, ready = true });
    }

    private static IResult Metadata(ModelStore store, string name, string? version)
    {
        if (!store.Models.TryGetValue(name, out var versions)) return Missing(name, null);
        var handle = version is null ? versions[^1] : versions.FirstOrDefault(h => h.Version == version);
        if (handle is null) return Missing(name, version);
        var model = handle.Model;
        return Results.Ok(new
        {
            name,
            versions = versions.Select(h => h.Version).ToArray(),
            platform = "deepnet",
            inputs = new[] { new { name = InputName, datatype = "FP32", shape = (int[])[-1, .. model.Architecture.InputShape] } },
            outputs = new[] { new { name = OutputName, datatype = "FP32", shape = new[] { -1, model.OutputWidth } } },
        });
    }

    private static async Task<IResult> Infer(HttpContext context, ModelStore store, InferenceQueue queue, ServingOptions settings, string name, string? version)
    {
        var request = context.Request;
        long? headerLength = null;
        if (request.Headers.TryGetValue(HeaderLength, out var header))
        {
            if (!long.TryParse(header, out long parsed)) return Error(400, $"{HeaderLength} must be an integer, got '{header}'");
            headerLength = parsed;
        }
        else if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return Error(415, $"an inference request is application/json (or carries {HeaderLength} for binary tensors), got '{request.ContentType}'");
        var handle = store.Acquire(name, version);
        if (handle is null) return Missing(name, version);
        try
        {
            var body = await BoundedBody.ReadAsync(request, settings.MaxBodyBytes, context.RequestAborted);
            if (body is null) return Error(413, $"the request body is larger than the limit of {settings.MaxBodyBytes} bytes");
            var parsed = V2InferParser.Parse(body.Value, headerLength, handle.Model.Architecture, name, settings.MaxInstances);
            if (parsed.Error is not null) return Error(parsed.Status, parsed.Error);
            float[]? outputs = await RunAsync(handle, store, queue, parsed, context.RequestAborted);
            if (outputs is null) return Error(503, "the server is at capacity (inference queue full) or shutting down; retry later");
            if (outputs.Any(v => !float.IsFinite(v)))
                return Error(500, $"model '{name}' version {handle.Version} produced non-finite outputs for this input");
            return Answer(context, handle, parsed, outputs);
        }
        finally
        {
            handle.Release();
        }
    }

    /// <summary>
    /// The default model's latest version runs in the batching queue (with /predict); any other
    /// version under its own gate. Null when the queue is full or closed.
    /// </summary>
    private static async Task<float[]?> RunAsync(ModelHandle handle, ModelStore store, InferenceQueue queue, V2Inference input, CancellationToken cancel)
    {
        if (ReferenceEquals(handle.Model, store.Model))
        {
            var queued = new InferenceRequest(input.Inputs!, input.Count);
            return queue.TryEnqueue(queued) ? await queued.Completion.Task.WaitAsync(cancel) : null;
        }
        await handle.Gate.WaitAsync(cancel);
        try
        {
            return await Task.Run(() => handle.Model.Run(input.Inputs!, input.Count), cancel);
        }
        finally
        {
            handle.Gate.Release();
        }
    }

    private static IResult Answer(HttpContext context, ModelHandle handle, V2Inference input, float[] outputs)
    {
        int[] shape = [input.Count, handle.Model.OutputWidth];
        if (!input.BinaryOutput)
            return Results.Json(new
            {
                model_name = handle.Name, model_version = handle.Version, id = input.Id,
                outputs = new[] { new { name = OutputName, datatype = "FP32", shape, data = outputs } },
            });
        var head = JsonSerializer.SerializeToUtf8Bytes(new
        {
            model_name = handle.Name, model_version = handle.Version, id = input.Id,
            outputs = new[] { new { name = OutputName, datatype = "FP32", shape, parameters = new { binary_data_size = outputs.Length * 4 } } },
        });
        var bytes = new byte[head.Length + outputs.Length * 4];
        head.CopyTo(bytes, 0);
        for (int i = 0; i < outputs.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(head.Length + i * 4), outputs[i]);
        context.Response.Headers[HeaderLength] = head.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Bytes(bytes, "application/octet-stream");
    }
}
