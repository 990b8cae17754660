using System.Diagnostics;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Store;
using Verity.Node.Api;
using Verity.Node.Configuration;
using Verity.Node.Metrics;

namespace Verity.Node.Hosting;

/// <summary>
/// The outermost middleware: turns <see cref="ClientErrorException"/> (and Kestrel's bad-request errors) into
/// <see cref="Cluster.Protocol.ApiError"/> responses, a full disk into a 507, a failing task store into a 503 and anything unexpected into a 500, counts every request, and
/// logs one line only for the ones worth reading — non-2xx or slow — since agents poll all the time.
/// </summary>
internal sealed class RequestPipeline(RequestDelegate next, ILogger<RequestPipeline> log, NodeMetrics metrics, NodeOptions options, NodeHealth health)
{
    public async Task InvokeAsync(HttpContext http)
    {
        long started = Stopwatch.GetTimestamp();
        string? error = null;
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (ClientErrorException e) when (!http.Response.HasStarted)
        {
            error = e.Message;
            // An oversized or stalled upload is refused before it is read in full; closing spares draining the rest of it.
            if (e.StatusCode is StatusCodes.Status413PayloadTooLarge or StatusCodes.Status408RequestTimeout) http.Response.Headers.Connection = "close";
            await ApiResults.WriteErrorAsync(http, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted)
        {
            error = e.Message;
            await ApiResults.WriteErrorAsync(http, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            error = "the client went away";
        }
        catch (Exception e) when (!http.Response.HasStarted && StorageFaults.IsDiskFull(e))
        {
            // 507 without the OS message, which names a server path; /health reports it until space is back.
            error = e.Message;
            health.Observe(e);
            await ApiResults.WriteErrorAsync(http, StatusCodes.Status507InsufficientStorage, StorageFaults.DiskFullMessage).ConfigureAwait(false);
        }
        catch (TaskStoreException e) when (!http.Response.HasStarted)
        {
            // The store is down or locked: a retry may pass, so 503; the store's name (it holds the node.db path) is
            // logged, not sent.
            error = e.Message;
            health.StoreFailed(e);
            http.Response.Headers.RetryAfter = "1";
            await ApiResults.WriteErrorAsync(http, StatusCodes.Status503ServiceUnavailable,
                $"the task store is unavailable ({e.Operation} failed); retry later").ConfigureAwait(false);
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            error = e.Message;
            log.LogError(e, "{Method} {Path} failed", http.Request.Method, http.Request.Path);
            await ApiResults.WriteErrorAsync(http, StatusCodes.Status500InternalServerError, $"internal error: {e.Message}").ConfigureAwait(false);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            int status = http.Response.StatusCode;
            metrics.RequestServed(NodeMetrics.Surface(http.Request.Path), status, elapsed);
            if (status is < 200 or >= 300 || elapsed >= options.SlowRequestThreshold)
            {
                var level = status >= 500 ? LogLevel.Warning : LogLevel.Information;
                log.Log(level, "{Method} {Path} -> {Status} in {Elapsed:0} ms{Error}", http.Request.Method, http.Request.Path, status,
                    elapsed.TotalMilliseconds, error != null ? $": {error}" : "");
            }
        }
    }
}
