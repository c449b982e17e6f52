// DeepNet model server: serves one saved model (--model model.safetensors, its model.json beside it)
// or a model repository (--model-repository DIR of name/version/ folders) through POST /predict
// (micro-batched) and the KServe / Open Inference Protocol v2 endpoints (/v2/...), with GET /health,
// /health/live and /metrics (Prometheus) on the management port when one is set. SIGHUP reloads.
//   dotnet run --project samples/Serving -- --model out/mnist-cnn/model.safetensors --urls http://127.0.0.1:5000
// Model owners: `keygen --out DIR` and `sign --model M.safetensors --key DIR/model-signing.key` (SignCommand).
using DeepNet.Serving;
using Prometheus;

if (SignCommand.Handles(args)) return SignCommand.Run(args, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, ServingOptions.SwitchMappings);
var section = builder.Configuration.GetSection(ServingOptions.Section);
builder.Services.Configure<ServingOptions>(section);
var settings = section.Get<ServingOptions>() ?? new ServingOptions();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddProblemDetails();
builder.AddServingSecurity(settings);
builder.Services.AddSingleton(new ServingMetrics(Metrics.NewCustomRegistry()));
builder.Services.AddSingleton<ModelStore>();
builder.Services.AddSingleton<InferenceQueue>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<InferenceQueue>());
builder.Services.AddHostedService<ModelLoadService>();
builder.Services.AddHostedService<ReloadSignal>();

var app = builder.Build();
app.UseExceptionHandler();
app.UseMiddleware<PredictMetricsMiddleware>();
app.UseStatusCodePages();
app.UseServingSecurity(settings);

void Secure(IEndpointConventionBuilder endpoints) => ServingSecurity.Secure(endpoints, settings);
Secure(app.MapPost("/predict", PredictEndpoint.Handle).AddEndpointFilter(PinDefaultModel));
V2Protocol.Map(app, Secure);
RepositoryEndpoints.Map(app, endpoints => endpoints.RequireAuthorization(ServingSecurity.Policy));
app.MapGet("/health", HealthEndpoint.Handle);
app.MapGet("/health/live", () => Results.Ok(new { status = "alive" }));
app.MapMetrics("/metrics", app.Services.GetRequiredService<ServingMetrics>().Registry);

var store = app.Services.GetRequiredService<ModelStore>();
try
{
    await app.RunAsync();
}
catch (OperationCanceledException) when (store.Error is not null)
{
    // The load failed before the server finished starting, which cancelled the start.
}
// A model that failed to load stopped the application: exit non-zero so supervisors see it.
return store.Error is null ? 0 : 1;

// A /predict request holds a lease on the default model's version it started with, so a reload
// disposes that version only after the request is answered.
static async ValueTask<object?> PinDefaultModel(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
{
    var store = context.HttpContext.RequestServices.GetRequiredService<ModelStore>();
    var handle = store.DefaultName is { } name ? store.Acquire(name) : null;
    try
    {
        return await next(context);
    }
    finally
    {
        handle?.Release();
    }
}

/// <summary>The server's entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
