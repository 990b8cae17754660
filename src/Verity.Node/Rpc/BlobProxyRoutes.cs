using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;
using Verity.Node.Api;
using Verity.Node.Configuration;

namespace Verity.Node.Rpc;

/// <summary>
/// The blob proxy for remote agents (<see cref="AgentRpc.BlobPath"/>/&lt;key&gt;, agent token required). Every request
/// names the task and lease it is for (<see cref="AgentRpc.TaskHeader"/>, <see cref="AgentRpc.LeaseHeader"/>); it is
/// served only while that lease is the task's current one, Running, unexpired and held by the token's agent, and only
/// for the keys <see cref="BlobAccessPolicy"/> allows that task: GET and HEAD its inputs, PUT its output. No DELETE.
/// Bodies stream both ways: uploads go to the store under the limit of their kind (<see cref="BlobLimitSettings"/>)
/// and the idle timeout; downloads carry the blob's recorded SHA-256 (<see cref="AgentRpc.Sha256Header"/>).
/// </summary>
internal static class BlobProxyRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var blobs = app.MapGroup(AgentRpc.BlobPath).AddEndpointFilter(new AgentTokenFilter(rpc: false));
        blobs.MapGet("/{**key}", GetAsync);
        blobs.MapMethods("/{**key}", [HttpMethods.Head], HeadAsync);
        blobs.MapPut("/{**key}", PutAsync);
        blobs.MapDelete("/{**key}", (string? key) =>
        {
            ValidKey(key);
            return ApiResults.Error(StatusCodes.Status403Forbidden, "agents may not delete blobs (cleanup is the node's job)");
        });
    }

    private static async Task GetAsync(string? key, HttpContext http, [FromServices] IBlobStore store, [FromServices] ILogger<BlobReadStream> log)
    {
        string k = await AuthorizeAsync(http, key, write: false).ConfigureAwait(false);
        BlobReadStream? blob;
        try { blob = await store.OpenReadAsync(k, http.RequestAborted).ConfigureAwait(false); }
        catch (BlobCorruptedException e) { throw Corrupted(http, e); }
        if (blob == null) throw ClientErrorException.NotFound($"no blob '{k}'");
        await using (blob.ConfigureAwait(false))
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = blob.Length;
            http.Response.Headers[AgentRpc.Sha256Header] = blob.Digest.Sha256Hex;
            try
            {
                await blob.CopyToAsync(http.Response.Body, 1 << 16, http.RequestAborted).ConfigureAwait(false);
            }
            catch (BlobCorruptedException e)
            {
                // Found at the last bytes, which were not sent: the agent sees a cut-off transfer, never a bad blob.
                log.LogError("{Message}; the transfer to the agent was cut off", e.Message);
                http.Abort();
            }
        }
    }

    private static async Task<IResult> HeadAsync(string? key, HttpContext http, [FromServices] IBlobStore store)
    {
        string k = await AuthorizeAsync(http, key, write: false).ConfigureAwait(false);
        return await store.ExistsAsync(k, http.RequestAborted).ConfigureAwait(false) ? Results.Ok() : Results.NotFound();
    }

    /// <summary>Keys with an upload in progress on this node: one at a time per key, so one lease cannot hold many
    /// times its blob limit of disk (each upload is staged in full before it is stored).</summary>
    private static readonly ConcurrentDictionary<string, byte> Uploading = new(StringComparer.Ordinal);

    private static async Task<IResult> PutAsync(string? key, HttpContext http, [FromServices] IBlobStore store, [FromServices] NodeOptions options)
    {
        var (k, task) = await AuthorizeLeaseAsync(http, key, write: true).ConfigureAwait(false);
        long limit = Math.Min(options.MaxAgentBlobBytes, BlobKeys.KindOf(k) switch
        {
            BlobKind.Run => options.BlobLimits.Run,
            BlobKind.Proof => options.BlobLimits.Proof,
            _ => options.BlobLimits.Receipt,
        });
        var body = UploadBody.Open(http.Request, limit, $"blob '{k}'", options.BlobLimits.IdleTimeout);
        if (!Uploading.TryAdd(k, 0))
            throw new ClientErrorException(StatusCodes.Status429TooManyRequests, $"blob '{k}' is already being uploaded; try again when that upload ends");
        try
        {
            try
            {
                await store.PutAsync(k, body, body.Declared, http.RequestAborted).ConfigureAwait(false);
            }
            catch (BlobConflictException e)
            {
                throw ClientErrorException.Conflict(e.Message);
            }
            // The lease was checked when the upload began; it may have been lost, its job cancelled and its blobs
            // reaped while the body arrived. Then the bytes must not stay: cleanup would never look at them again.
            // (The receipt of a job that succeeded stays: it is write-once, so these bytes are the honest copy's.)
            var after = await http.RequestServices.GetRequiredService<ITaskStore>().GetTaskLeaseAsync(task.TaskId, CancellationToken.None).ConfigureAwait(false);
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            if (BlobAccessPolicy.CheckLease(after, task.TaskId, task.LeaseId!.Value, AgentIdentity.Of(http), now) is { } lost)
            {
                if (BlobKeys.KindOf(k) != BlobKind.Receipt || after?.JobState != JobState.Succeeded)
                    await store.DeleteAsync(k, CancellationToken.None).ConfigureAwait(false);
                throw ClientErrorException.Conflict($"the upload of '{k}' ended after its lease stopped counting ({lost}); it was not kept");
            }
        }
        finally
        {
            Uploading.TryRemove(k, out _);
        }
        return Results.NoContent();
    }

    /// <summary>Checks the key, the token's right to the named lease and the lease's right to the key; returns the key.</summary>
    private static async Task<string> AuthorizeAsync(HttpContext http, string? key, bool write) =>
        (await AuthorizeLeaseAsync(http, key, write).ConfigureAwait(false)).Key;

    /// <summary>As <see cref="AuthorizeAsync"/>, also returning the task's lease as the store recorded it.</summary>
    private static async Task<(string Key, TaskLeaseInfo Task)> AuthorizeLeaseAsync(HttpContext http, string? key, bool write)
    {
        string k = ValidKey(key);
        var headers = http.Request.Headers;
        string? taskId = headers[AgentRpc.TaskHeader];
        string? leaseText = headers[AgentRpc.LeaseHeader];
        if (string.IsNullOrEmpty(taskId) || string.IsNullOrEmpty(leaseText))
            throw Forbidden($"blob requests must name the task and lease they are for ({AgentRpc.TaskHeader}, {AgentRpc.LeaseHeader})");
        if (!long.TryParse(leaseText, NumberStyles.None, CultureInfo.InvariantCulture, out long leaseId))
            throw ClientErrorException.BadRequest($"{AgentRpc.LeaseHeader} '{leaseText}' is not a lease id");
        var services = http.RequestServices;
        var task = await services.GetRequiredService<ITaskStore>().GetTaskLeaseAsync(taskId, http.RequestAborted).ConfigureAwait(false);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        string? refused = BlobAccessPolicy.CheckLease(task, taskId, leaseId, AgentIdentity.Of(http), now)
                          ?? BlobAccessPolicy.CheckKey(task!, k, write);
        if (refused != null) throw Forbidden(refused);
        return (k, task!);
    }

    /// <summary>The answer for a stored blob whose bytes do not match its digest (the header lets the agent tell it from an outage).</summary>
    private static ClientErrorException Corrupted(HttpContext http, BlobCorruptedException e)
    {
        http.Response.Headers[AgentRpc.CorruptedHeader] = "true";
        return new ClientErrorException(StatusCodes.Status500InternalServerError, e.Message);
    }

    private static ClientErrorException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);

    private static string ValidKey(string? key)
    {
        if (key == null || !BlobKeys.IsValid(key))
            throw ClientErrorException.BadRequest($"'{key}' is not a valid blob key (lowercase letters, digits, '-', '_', '.', separated by '/')");
        return key;
    }
}
