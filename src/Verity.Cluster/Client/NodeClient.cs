using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Client;

/// <summary>
/// A typed client for the node's job API (<see cref="JobApi"/>): upload a program and an input, create a job, follow
/// it, fetch its receipt, cancel it. Error answers become <see cref="NodeClientException"/> with the node's message;
/// an unreachable node is an <see cref="HttpRequestException"/>, no answer within the timeout a <see cref="TimeoutException"/>.
/// </summary>
public sealed class NodeClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly Uri _node;
    private readonly string _apiKey;
    private readonly TimeSpan _timeout;

    /// <param name="node">The node's base address, e.g. http://127.0.0.1:8547.</param>
    /// <param name="apiKey">A client key of the node (sent as <c>x-api-key</c>).</param>
    /// <param name="http">A client to send with; one is created (and disposed with this) when null.</param>
    /// <param name="timeout">Longest wait for one request (default 5 minutes: uploads can be large).</param>
    /// <exception cref="ArgumentException">The URL is not an absolute http(s) URL, or the key is empty or malformed.</exception>
    public NodeClient(Uri node, string apiKey, HttpClient? http = null, TimeSpan? timeout = null)
    {
        _node = NodeAddress.Normalize(node);
        if (string.IsNullOrWhiteSpace(apiKey)) throw new ArgumentException("the API key is empty", nameof(apiKey));
        if (apiKey.Any(c => c <= ' ' || c > '~')) throw new ArgumentException("the API key contains spaces, control or non-ASCII characters", nameof(apiKey));
        _apiKey = apiKey;
        _timeout = timeout ?? TimeSpan.FromMinutes(5);
        if (_timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), "the timeout must be positive");
        _ownsClient = http == null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The node's base address.</summary>
    public Uri Node => _node;

    /// <summary>Uploads an ELF; the node checks that it loads and answers with its image id.</summary>
    public Task<ImageUploaded> UploadImageAsync(ReadOnlyMemory<byte> elf, CancellationToken ct = default) =>
        SendJsonAsync<ImageUploaded>(HttpMethod.Post, "v1/images", Binary(elf), ct);

    /// <summary>Uploads an input; the node answers with its id (BLAKE3 of the bytes).</summary>
    public Task<InputUploaded> UploadInputAsync(ReadOnlyMemory<byte> input, CancellationToken ct = default) =>
        SendJsonAsync<InputUploaded>(HttpMethod.Post, "v1/inputs", Binary(input), ct);

    public Task<JobCreated> CreateJobAsync(CreateJobRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var content = new StringContent(ClusterJson.Serialize(request), Encoding.UTF8, "application/json");
        return SendJsonAsync<JobCreated>(HttpMethod.Post, "v1/jobs", content, ct);
    }

    public Task<JobStatusView> GetStatusAsync(string jobId, CancellationToken ct = default) =>
        SendJsonAsync<JobStatusView>(HttpMethod.Get, JobRoute(jobId), null, ct);

    /// <summary>The receipt bytes of a succeeded job (409 while it runs, 404 once it expired).</summary>
    public async Task<byte[]> GetReceiptAsync(string jobId, CancellationToken ct = default)
    {
        string route = JobRoute(jobId) + "/receipt";
        return await SendAsync(HttpMethod.Get, route, null, ct, (r, token) => r.Content.ReadAsByteArrayAsync(token)).ConfigureAwait(false);
    }

    /// <summary>Cancels a running job; returns its status after cancelling (409 when it already ended).</summary>
    public Task<JobStatusView> CancelAsync(string jobId, CancellationToken ct = default) =>
        SendJsonAsync<JobStatusView>(HttpMethod.Post, JobRoute(jobId) + "/cancel", null, ct);

    /// <summary>Creates a per-agent credential (<see cref="AgentAdminApi"/>); its token is shown only in this answer.</summary>
    public Task<AgentCreated> AddAgentAsync(string name, CancellationToken ct = default)
    {
        var content = new StringContent(ClusterJson.Serialize(new CreateAgentRequest { Name = name }), Encoding.UTF8, "application/json");
        return SendJsonAsync<AgentCreated>(HttpMethod.Post, AgentAdminApi.Path.TrimStart('/'), content, ct);
    }

    public Task<List<AgentCredentialView>> ListAgentsAsync(CancellationToken ct = default) =>
        SendJsonAsync<List<AgentCredentialView>>(HttpMethod.Get, AgentAdminApi.Path.TrimStart('/'), null, ct);

    /// <summary>Revokes the agent's credential (404 when it has none).</summary>
    public Task RevokeAgentAsync(string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"{AgentAdminApi.Path.TrimStart('/')}/{Uri.EscapeDataString(name)}", null, ct, (_, _) => Task.FromResult(true));

    /// <summary>
    /// Polls the job's status every <paramref name="pollInterval"/> (default 1 s) until it ends, reporting every status
    /// seen; returns the final status. Up to <paramref name="maxTransientFailures"/> failures in a row (the node
    /// restarting or unreachable, a 5xx answer) are waited out; other errors end the wait.
    /// </summary>
    public async Task<JobStatusView> WaitAsync(string jobId, IProgress<JobStatusView>? progress = null, TimeSpan? pollInterval = null,
        CancellationToken ct = default, int maxTransientFailures = 10)
    {
        JobRoute(jobId);
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pollInterval), "the poll interval must be positive");
        int failures = 0;
        while (true)
        {
            JobStatusView status;
            try
            {
                status = await GetStatusAsync(jobId, ct).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested && ++failures <= maxTransientFailures)
            {
                await Task.Delay(interval, ct).ConfigureAwait(false);
                continue;
            }
            progress?.Report(status);
            if (status.State.IsTerminal()) return status;
            await Task.Delay(interval, ct).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or TimeoutException || (e is NodeClientException n && n.StatusCode >= 500);

    private static string JobRoute(string jobId)
    {
        if (!TaskIds.IsValidJobId(jobId)) throw new ArgumentException($"'{jobId}' is not a job id (32 lowercase hex digits)", nameof(jobId));
        return $"v1/jobs/{jobId}";
    }

    private static ByteArrayContent Binary(ReadOnlyMemory<byte> bytes)
    {
        var content = new ByteArrayContent(bytes.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }

    private Task<T> SendJsonAsync<T>(HttpMethod method, string route, HttpContent? content, CancellationToken ct) =>
        SendAsync(method, route, content, ct, async (r, token) =>
        {
            string body = await r.Content.ReadAsStringAsync(token).ConfigureAwait(false);
            try { return ClusterJson.Deserialize<T>(body); }
            catch (JsonException e)
            {
                throw new NodeClientException((int)r.StatusCode, $"{method} /{route}: the node's answer is not a {typeof(T).Name} ({e.Message}){HttpBrokerConnection.Detail(body)}");
            }
        });

    private async Task<T> SendAsync<T>(HttpMethod method, string route, HttpContent? content, CancellationToken ct,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read)
    {
        using var request = new HttpRequestMessage(method, NodeAddress.Combine(_node, route)) { Content = content };
        request.Headers.Add(JobApi.ApiKeyHeader, _apiKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, timeout.Token).ConfigureAwait(false);
            return await read(response, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} /{route}: the node at {_node} did not answer within {_timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>The node's <see cref="ApiError"/> message, or a description of the answer when it sent none.</summary>
    private static async Task<NodeClientException> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        int status = (int)response.StatusCode;
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        string? message = null;
        try { message = JsonSerializer.Deserialize<ApiError>(body, ClusterJson.Options)?.Error; }
        catch (JsonException) { }
        if (string.IsNullOrWhiteSpace(message))
            message = $"the node answered {status} {response.ReasonPhrase}{HttpBrokerConnection.Detail(body)}";
        return new NodeClientException(status, message);
    }

    public void Dispose()
    {
        if (_ownsClient) _http.Dispose();
    }
}
