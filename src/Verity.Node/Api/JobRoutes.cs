using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Verity.Cluster.Broker;
using Verity.Cluster.Protocol;
using Verity.Node.Configuration;

namespace Verity.Node.Api;

/// <summary>
/// The client REST API (<see cref="JobApi"/>): uploads, job creation, status, receipt and cancel under /v1, each
/// behind <see cref="ApiKeyFilter"/>. Requests are checked by <see cref="JobService"/>, whose
/// <see cref="ClientErrorException"/>s the pipeline turns into <see cref="ApiError"/> responses.
/// </summary>
internal static class JobRoutes
{
    /// <summary>A job request is a few hundred bytes; anything near this is not one.</summary>
    public const long MaxJobRequestBytes = 64 << 10;

    /// <summary>Unknown fields in a job request are refused: a misspelt "executeOnly" must not start a full proof.</summary>
    private static readonly JsonSerializerOptions StrictJson = new(ClusterJson.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static void Map(IEndpointRouteBuilder app, SecretMatch apiKeys)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter(new ApiKeyFilter(apiKeys));
        v1.MapPost("/images", UploadImageAsync);
        v1.MapPut("/images/{imageId}", PutImageAsync);
        v1.MapPost("/inputs", UploadInputAsync);
        v1.MapPost("/jobs", CreateJobAsync);
        v1.MapGet("/jobs/{jobId}", GetStatusAsync);
        v1.MapGet("/jobs/{jobId}/receipt", GetReceiptAsync);
        v1.MapPost("/jobs/{jobId}/cancel", CancelAsync);
    }

    private static Task<IResult> UploadImageAsync(HttpContext http, [FromServices] JobService jobs, [FromServices] NodeOptions options) =>
        StoreImageAsync(http, jobs, options, expectedImageId: null);

    private static Task<IResult> PutImageAsync(string imageId, HttpContext http, [FromServices] JobService jobs, [FromServices] NodeOptions options)
    {
        if (imageId.Length != 64 || !imageId.All(char.IsAsciiHexDigit))
            throw ClientErrorException.BadRequest($"'{imageId}' is not an image id (64 hex digits)");
        return StoreImageAsync(http, jobs, options, imageId);
    }

    private static async Task<IResult> StoreImageAsync(HttpContext http, JobService jobs, NodeOptions options, string? expectedImageId)
    {
        var ct = http.RequestAborted;
        byte[] elf = await RequestBody.ReadAsync(http.Request, options.Broker.MaxImageBytes, "the image", ct, options.BlobLimits.IdleTimeout).ConfigureAwait(false);
        var (image, created) = await jobs.UploadImageAsync(elf, expectedImageId, ct).ConfigureAwait(false);
        http.Response.Headers.Location = $"/v1/images/{image.ImageId}";
        return ApiResults.Json(image, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> UploadInputAsync(HttpContext http, [FromServices] JobService jobs, [FromServices] NodeOptions options)
    {
        var ct = http.RequestAborted;
        byte[] input = await RequestBody.ReadAsync(http.Request, options.Broker.MaxInputBytes, "the input", ct, options.BlobLimits.IdleTimeout).ConfigureAwait(false);
        var uploaded = await jobs.UploadInputAsync(input, ct).ConfigureAwait(false);
        return ApiResults.Json(uploaded, StatusCodes.Status201Created);
    }

    private static async Task<IResult> CreateJobAsync(HttpContext http, [FromServices] JobService jobs)
    {
        var ct = http.RequestAborted;
        byte[] body = await RequestBody.ReadAsync(http.Request, MaxJobRequestBytes, "the job request", ct).ConfigureAwait(false);
        CreateJobRequest? request;
        try { request = JsonSerializer.Deserialize<CreateJobRequest>(body, StrictJson); }
        catch (JsonException e) { throw ClientErrorException.BadRequest($"malformed job request: {JsonErrors.Describe(e)}"); }
        if (request == null) throw ClientErrorException.BadRequest("malformed job request: expected a JSON object, got null");
        var created = await jobs.CreateJobAsync(request, ct).ConfigureAwait(false);
        http.Response.Headers.Location = $"/v1/jobs/{created.JobId}";
        return ApiResults.Json(created, StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetStatusAsync(string jobId, HttpContext http, [FromServices] JobService jobs) =>
        ApiResults.Json(await jobs.GetStatusAsync(jobId, http.RequestAborted).ConfigureAwait(false));

    private static async Task<IResult> GetReceiptAsync(string jobId, HttpContext http, [FromServices] JobService jobs)
    {
        byte[] receipt = await jobs.GetReceiptAsync(jobId, http.RequestAborted).ConfigureAwait(false);
        return Results.Bytes(receipt, "application/octet-stream");
    }

    private static async Task<IResult> CancelAsync(string jobId, HttpContext http, [FromServices] JobService jobs) =>
        ApiResults.Json(await jobs.CancelAsync(jobId, http.RequestAborted).ConfigureAwait(false));
}
