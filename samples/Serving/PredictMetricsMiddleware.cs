namespace DeepNet.Serving;

/// <summary>
/// Counts every non-2xx answer to an inference request (POST) in deepnet_predict_errors_total,
/// whoever produced it: the endpoint (which names the kind in <see cref="KindKey"/>), routing,
/// later middleware, or an exception on its way to the exception handler.
/// </summary>
public sealed class PredictMetricsMiddleware(RequestDelegate next, ServingMetrics metrics)
{
    /// <summary>The HttpContext.Items key where handlers put the error kind.</summary>
    public const string KindKey = "deepnet.error_kind";

    /// <summary>Runs the rest of the pipeline and counts its outcome.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch
        {
            metrics.CountError(500, context.Items[KindKey] as string ?? "unhandled");
            throw;
        }
        int status = context.Response.StatusCode;
        if (status is < 200 or >= 300) metrics.CountError(status, context.Items[KindKey] as string ?? $"http_{status}");
    }
}
