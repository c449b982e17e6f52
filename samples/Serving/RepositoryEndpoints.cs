namespace DeepNet.Serving;

/// <summary>
/// The v2 model repository extension (on the management port when one is configured):
/// POST /v2/repository/index lists the loaded versions; /v2/repository/models/{name}/load loads or
/// reloads a model from the repository folder; /unload retires it (in-flight requests finish);
/// POST /v2/repository/reload re-reads everything, as SIGHUP does.
/// </summary>
public static class RepositoryEndpoints
{
    /// <summary>Maps the routes; <paramref name="secured"/> applies the authorization policy.</summary>
    public static void Map(IEndpointRouteBuilder app, Action<IEndpointConventionBuilder> secured)
    {
        var group = app.MapGroup("/v2/repository");
        group.MapPost("/index", (ModelStore store) => Results.Ok(store.Models.Values.SelectMany(v => v)
            .Select(h => new { name = h.Name, version = h.Version, state = "READY" })));
        group.MapPost("/reload", async (ModelStore store) => Answer(await store.ReloadAsync(), null));
        group.MapPost("/models/{name}/load", async (ModelStore store, string name) =>
        {
            var errors = await store.ReloadAsync(name);
            if (errors.Count == 0 && !store.Models.ContainsKey(name)) return V2Protocol.Error(404, $"model '{name}' is not in the model repository");
            return Answer(errors, name);
        });
        group.MapPost("/models/{name}/unload", (ModelStore store, string name) =>
            store.Unload(name) ? Results.Ok(new { name, unloaded = true }) : V2Protocol.Error(404, $"model '{name}' is not loaded"));
        secured(group);
    }

    private static IResult Answer(IReadOnlyList<string> errors, string? name) => errors.Count == 0
        ? Results.Ok(new { name, loaded = true })
        : V2Protocol.Error(400, string.Join("; ", errors));
}
