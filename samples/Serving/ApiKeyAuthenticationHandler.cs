using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace DeepNet.Serving;

/// <summary>
/// ASP.NET Core authentication by API key: <c>Authorization: Bearer KEY</c> or <c>X-API-Key: KEY</c>,
/// compared in constant time with the configured keys. The identity's name is a short hash of the
/// key (what the rate limiter partitions by), never the key itself.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<ServingOptions> serving) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = Request.Headers["X-API-Key"].FirstOrDefault();
        string? authorization = Request.Headers.Authorization.FirstOrDefault();
        if (key is null && authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) key = authorization[7..].Trim();
        if (string.IsNullOrEmpty(key)) return Task.FromResult(AuthenticateResult.NoResult());
        var presented = Encoding.UTF8.GetBytes(key);
        bool known = false;
        foreach (string configured in serving.Value.ApiKeys)
            known |= CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(configured));
        if (!known) return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        string id = "key-" + Convert.ToHexString(SHA256.HashData(presented))[..12].ToLowerInvariant();
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, id)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Response.WriteAsJsonAsync(new { error = "authentication required: send Authorization: Bearer API_KEY (or X-API-Key)" });
    }
}
