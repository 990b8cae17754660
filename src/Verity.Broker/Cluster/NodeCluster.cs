using System.Net;
using System.Text.Json;
using Verity.Broker.Config;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Client;
using Verity.Cluster.Protocol;

namespace Verity.Broker.Cluster;

/// <summary>
/// <see cref="IProvingCluster"/> over a node's REST API (<see cref="NodeClient"/>), with <c>req_retry_count</c> retries
/// (<c>req_retry_sleep_ms</c> apart, both read from the current configuration per call) of transient failures: the node
/// unreachable or not answering in time, 5xx, 408 and 429. Other answers (400, 401, 404, 409, 413) are the request's
/// fault and are thrown at once as <see cref="NodeClientException"/>.
/// Job creation is not idempotent, so it is retried only when the request surely did not create a job: the connection
/// failed, or the node said 408/429/503 (it refused before doing anything); a timeout or another 5xx is thrown.
/// </summary>
public sealed class NodeCluster : IProvingCluster, IDisposable
{
    private readonly NodeClient _client;
    private readonly BrokerConfigSource _config;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeSpan _healthTimeout;

    /// <param name="client">the node's job API client (owned by the caller)</param>
    /// <param name="config">the configuration in force: <c>[prover] req_retry_count</c>, <c>req_retry_sleep_ms</c></param>
    /// <param name="http">client for GET /health; one is created (and disposed with this) when null</param>
    /// <param name="healthTimeout">longest wait for one /health answer (default 10 s)</param>
    public NodeCluster(NodeClient client, BrokerConfigSource config, HttpClient? http = null, TimeSpan? healthTimeout = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };
        _healthTimeout = healthTimeout ?? TimeSpan.FromSeconds(10);
        if (_healthTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(healthTimeout), "the health timeout must be positive");
    }

    /// <summary>The node's base address.</summary>
    public Uri Node => _client.Node;

    public Task<string> UploadImageAsync(ReadOnlyMemory<byte> elf, CancellationToken ct) =>
        RetryAsync(async t => (await _client.UploadImageAsync(elf, t).ConfigureAwait(false)).ImageId, IsTransient, ct);

    public Task<string> UploadInputAsync(ReadOnlyMemory<byte> input, CancellationToken ct) =>
        RetryAsync(async t => (await _client.UploadInputAsync(input, t).ConfigureAwait(false)).InputId, IsTransient, ct);

    public Task<string> CreateJobAsync(CreateJobRequest request, CancellationToken ct) =>
        RetryAsync(async t => (await _client.CreateJobAsync(request, t).ConfigureAwait(false)).JobId, SurelyNotCreated, ct);

    public Task<JobStatusView> GetStatusAsync(string jobId, CancellationToken ct) =>
        RetryAsync(t => _client.GetStatusAsync(jobId, t), IsTransient, ct);

    public Task<byte[]> GetReceiptAsync(string jobId, CancellationToken ct) =>
        RetryAsync(t => _client.GetReceiptAsync(jobId, t), IsTransient, ct);

    /// <summary>Cancels the job; a job that already ended (409) is left as it is.</summary>
    public Task CancelAsync(string jobId, CancellationToken ct) =>
        RetryAsync(async t =>
        {
            try { await _client.CancelAsync(jobId, t).ConfigureAwait(false); }
            catch (NodeClientException e) when (e.StatusCode == (int)HttpStatusCode.Conflict) { }
            return true;
        }, IsTransient, ct);

    /// <summary>
    /// GET /health: 200 is healthy; 503 lists the node's problems (store, disk_full, agents). A node that cannot be
    /// reached (after the retries) or answers anything else is unhealthy too — "unreachable" or "http_{status}" —
    /// because nothing should be locked on a cluster whose state is unknown. Never throws but for cancellation.
    /// </summary>
    public async Task<ClusterHealth> HealthAsync(CancellationToken ct)
    {
        try
        {
            return await RetryAsync(ProbeHealthAsync, IsTransient, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or TimeoutException)
        {
            return new ClusterHealth(false, ["unreachable"]);
        }
        catch (NodeClientException e) when (!ct.IsCancellationRequested)
        {
            return new ClusterHealth(false, [$"http_{e.StatusCode}"]);
        }
    }

    private async Task<ClusterHealth> ProbeHealthAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_healthTimeout);
        try
        {
            using var response = await _http.GetAsync(NodeAddress.Combine(_client.Node, "health"), timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return new ClusterHealth(true, []);
            string body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && Problems(body) is { } problems)
                return new ClusterHealth(false, problems);
            throw new NodeClientException((int)response.StatusCode, $"GET /health answered {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"GET /health: the node at {_client.Node} did not answer within {_healthTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>The <c>problems</c> of a 503 /health answer; null when the body is not the node's.</summary>
    private static List<string>? Problems(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("problems", out var p) || p.ValueKind != JsonValueKind.Array)
                return null;
            var list = p.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList();
            return list.Count > 0 ? list : ["unavailable"];
        }
        catch (JsonException) { return null; }
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> call, Func<Exception, bool> retryable, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            var prover = _config.Current.Prover;
            try
            {
                return await call(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && attempt < Math.Max(0, prover.ReqRetryCount) && retryable(e))
            {
                await Task.Delay(Math.Max(0, prover.ReqRetrySleepMilliseconds), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Worth trying again: the node unreachable or slow, overloaded, or failing inside (5xx).</summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        HttpRequestException or TimeoutException => true,
        NodeClientException n => n.StatusCode >= 500 || n.StatusCode is 408 or 429,
        _ => false,
    };

    /// <summary>A failure after which no job exists: the connection was never made, or the node refused up front.</summary>
    internal static bool SurelyNotCreated(Exception e) => e switch
    {
        HttpRequestException h => h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError,
        NodeClientException n => n.StatusCode is 408 or 429 or 503,
        _ => false,
    };

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
