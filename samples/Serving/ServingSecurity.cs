using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;

namespace DeepNet.Serving;

/// <summary>
/// The server's security through ASP.NET Core: Kestrel without a Server header and with a
/// connection limit, API-key authentication, per-client rate limiting (429), CORS only for the
/// configured origins, and the management port (health, metrics, repository admin) kept apart
/// from the inference port.
/// </summary>
public static class ServingSecurity
{
    /// <summary>The authorization, rate-limit and CORS policy name of the inference endpoints.</summary>
    public const string Policy = "inference";

    /// <summary>Registers Kestrel limits, authentication, authorization, the rate limiter and CORS from <paramref name="settings"/>.</summary>
    public static void AddServingSecurity(this WebApplicationBuilder builder, ServingOptions settings)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (settings.MaxConnections > 0) kestrel.Limits.MaxConcurrentConnections = settings.MaxConnections;
        });
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(auth => auth.AddPolicy(Policy, policy =>
        {
            if (settings.ApiKeys.Length > 0) policy.RequireAuthenticatedUser();
            else policy.RequireAssertion(_ => true);
        }));
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context => settings.RateLimitPermits == 0
                ? RateLimitPartition.GetNoLimiter("unlimited")
                : RateLimitPartition.GetFixedWindowLimiter(ClientOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = settings.RateLimitPermits,
                    Window = TimeSpan.FromSeconds(settings.RateLimitWindowSeconds),
                    QueueLimit = 0,
                }));
            limiter.OnRejected = async (rejected, cancel) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = Math.Ceiling(settings.RateLimitWindowSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await response.WriteAsJsonAsync(new
                {
                    error = $"rate limit: at most {settings.RateLimitPermits} requests per {settings.RateLimitWindowSeconds} s for this client",
                    kind = "rate_limited",
                }, cancel);
            };
        });
        if (settings.CorsOrigins.Length > 0)
            builder.Services.AddCors(cors => cors.AddPolicy(Policy, policy =>
                policy.WithOrigins(settings.CorsOrigins).WithMethods("GET", "POST").WithHeaders("Content-Type", "Authorization", "X-API-Key")));
    }

    /// <summary>Adds the middleware in order: port split, CORS (when configured), authentication, authorization, rate limiting.</summary>
    public static void UseServingSecurity(this WebApplication app, ServingOptions settings)
    {
        if (settings.ManagementPort is { } port)
            app.Use(async (context, next) =>
            {
                bool onManagementPort = context.Connection.LocalPort == port;
                if (onManagementPort != IsManagementPath(context.Request.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
                await next(context);
            });
        if (settings.CorsOrigins.Length > 0) app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
    }

    /// <summary>Puts an inference endpoint (or group) under authorization, the rate limit and CORS.</summary>
    public static void Secure(IEndpointConventionBuilder endpoints, ServingOptions settings)
    {
        endpoints.RequireAuthorization(Policy).RequireRateLimiting(Policy);
        if (settings.CorsOrigins.Length > 0) endpoints.RequireCors(Policy);
    }

    /// <summary>Paths served on the management port when one is configured.</summary>
    public static bool IsManagementPath(PathString path) =>
        path == "/health" || path == "/health/live" || path == "/metrics" || path.StartsWithSegments("/v2/repository");

    /// <summary>The rate-limit partition: the authenticated key's id, else the remote address.</summary>
    private static string ClientOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name! : context.Connection.RemoteIpAddress?.ToString() ?? "local";
}
