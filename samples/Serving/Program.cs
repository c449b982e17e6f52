// DeepNet model server: loads a saved model (model.safetensors + model.json) and serves
// POST /predict with micro-batching, GET /health, GET /health/live and GET /metrics (Prometheus).
//   dotnet run --project samples/Serving -- --model out/mnist-cnn/model.safetensors --urls http://127.0.0.1:5000
// Model owners: `keygen --out DIR` and `sign --model M.safetensors --key DIR/model-signing.key` (SignCommand).
using DeepNet.Serving;
using Prometheus;

if (SignCommand.Handles(args)) return SignCommand.Run(args, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, ServingOptions.SwitchMappings);
builder.Services.Configure<ServingOptions>(builder.Configuration.GetSection(ServingOptions.Section));
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddProblemDetails();
builder.Services.AddSingleton(new ServingMetrics(Metrics.NewCustomRegistry()));
builder.Services.AddSingleton<ModelStore>();
builder.Services.AddSingleton<InferenceQueue>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<InferenceQueue>());
builder.Services.AddHostedService<ModelLoadService>();

var app = builder.Build();
app.UseExceptionHandler();
app.UseMiddleware<PredictMetricsMiddleware>();
app.UseStatusCodePages();

app.MapPost("/predict", PredictEndpoint.Handle);
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

/// <summary>The server's entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
