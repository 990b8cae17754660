using Microsoft.AspNetCore.Mvc;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Protocol;
using Verity.Node.Api;
using Verity.Node.Configuration;

namespace Verity.Node.Rpc;

/// <summary>
/// The blob proxy for remote agents (<see cref="AgentRpc.BlobPath"/>/&lt;key&gt;, agent token required): GET and HEAD
/// read any blob; PUT and DELETE only under <c>jobs/</c> — agents produce runs, proofs and receipts, never images or
/// inputs, which only clients upload. Keys must be valid <see cref="BlobKeys"/>.
/// </summary>
internal static class BlobProxyRoutes
{
    private const string WritablePrefix = "jobs/";

    public static void Map(IEndpointRouteBuilder app, SecretMatch agentToken)
    {
        var blobs = app.MapGroup(AgentRpc.BlobPath).AddEndpointFilter(new AgentTokenFilter(agentToken, rpc: false));
        blobs.MapGet("/{**key}", GetAsync);
        blobs.MapMethods("/{**key}", [HttpMethods.Head], HeadAsync);
        blobs.MapPut("/{**key}", PutAsync);
        blobs.MapDelete("/{**key}", DeleteAsync);
    }

    private static async Task<IResult> GetAsync(string? key, HttpContext http, [FromServices] IBlobStore store)
    {
        string k = ValidKey(key);
        byte[]? bytes = await store.GetAsync(k, http.RequestAborted).ConfigureAwait(false);
        return bytes == null ? ApiResults.Error(StatusCodes.Status404NotFound, $"no blob '{k}'") : Results.Bytes(bytes, "application/octet-stream");
    }

    private static async Task<IResult> HeadAsync(string? key, HttpContext http, [FromServices] IBlobStore store)
    {
        string k = ValidKey(key);
        return await store.ExistsAsync(k, http.RequestAborted).ConfigureAwait(false) ? Results.Ok() : Results.NotFound();
    }

    private static async Task<IResult> PutAsync(string? key, HttpContext http, [FromServices] IBlobStore store, [FromServices] NodeOptions options)
    {
        string k = WritableKey(key);
        byte[] data = await RequestBody.ReadAsync(http.Request, options.MaxAgentBlobBytes, $"blob '{k}'", http.RequestAborted).ConfigureAwait(false);
        await store.PutAsync(k, data, http.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string? key, HttpContext http, [FromServices] IBlobStore store)
    {
        string k = WritableKey(key);
        await store.DeleteAsync(k, http.RequestAborted).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static string ValidKey(string? key)
    {
        if (key == null || !BlobKeys.IsValid(key))
            throw ClientErrorException.BadRequest($"'{key}' is not a valid blob key (lowercase letters, digits, '-', '_', '.', separated by '/')");
        return key;
    }

    private static string WritableKey(string? key)
    {
        string k = ValidKey(key);
        if (!k.StartsWith(WritablePrefix, StringComparison.Ordinal))
            throw new ClientErrorException(StatusCodes.Status403Forbidden, $"agents may only write blobs under {WritablePrefix}, not '{k}'");
        return k;
    }
}
