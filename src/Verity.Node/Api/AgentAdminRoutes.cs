using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Verity.Cluster.Broker;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;
using Verity.Node.Rpc;

namespace Verity.Node.Api;

/// <summary>
/// <see cref="AgentAdminApi"/>: add, list and revoke per-agent credentials in the task store (shared by every node on
/// the database), behind the API key. Revoking clears this node's credential cache at once; other nodes follow within
/// <see cref="AgentAuthenticator.CacheTime"/>.
/// </summary>
internal static class AgentAdminRoutes
{
    public static void Map(IEndpointRouteBuilder app, SecretMatch apiKeys)
    {
        var admin = app.MapGroup(AgentAdminApi.Path).AddEndpointFilter(new ApiKeyFilter(apiKeys));
        admin.MapPost("", AddAsync);
        admin.MapGet("", ListAsync);
        admin.MapDelete("/{name}", RevokeAsync);
    }

    private static async Task<IResult> AddAsync(HttpContext http, [FromServices] ITaskStore store, [FromServices] TimeProvider time)
    {
        var credentials = Credentials(store);
        byte[] body = await RequestBody.ReadAsync(http.Request, 4096, "the agent request", http.RequestAborted).ConfigureAwait(false);
        CreateAgentRequest? request;
        try { request = JsonSerializer.Deserialize<CreateAgentRequest>(body, ClusterJson.Options); }
        catch (JsonException e) { throw ClientErrorException.BadRequest($"malformed agent request: {JsonErrors.Describe(e)}"); }
        string name = request?.Name ?? throw ClientErrorException.BadRequest("name is required");
        string token = AgentAuthenticator.NewToken();
        bool added;
        try { added = await credentials.AddAgentCredentialAsync(name, AgentAuthenticator.TokenHash(token), time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false); }
        catch (ArgumentException e) { throw ClientErrorException.BadRequest(e.Message.Replace(" (Parameter 'name')", "", StringComparison.Ordinal)); }
        if (!added) throw ClientErrorException.Conflict($"agent '{name}' already has a credential (revoke it first)");
        return ApiResults.Json(new AgentCreated(name, token), StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext http, [FromServices] ITaskStore store)
    {
        var list = await Credentials(store).ListAgentCredentialsAsync(http.RequestAborted).ConfigureAwait(false);
        return ApiResults.Json(list.Select(c => new AgentCredentialView(c.Name, c.CreatedAt, c.RevokedAt)).ToList());
    }

    private static async Task<IResult> RevokeAsync(string name, HttpContext http, [FromServices] ITaskStore store, [FromServices] TimeProvider time,
        [FromServices] AgentAuthenticator authenticator)
    {
        bool revoked;
        try { revoked = await Credentials(store).RevokeAgentCredentialAsync(name, time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false); }
        catch (ArgumentException e) { throw ClientErrorException.BadRequest(e.Message.Replace(" (Parameter 'name')", "", StringComparison.Ordinal)); }
        authenticator.Forget();
        if (!revoked) throw ClientErrorException.NotFound($"agent '{name}' has no valid credential");
        return Results.NoContent();
    }

    private static IAgentCredentialStore Credentials(ITaskStore store) =>
        store as IAgentCredentialStore ?? throw new ClientErrorException(StatusCodes.Status501NotImplemented, "this node's task store keeps no agent credentials");
}
