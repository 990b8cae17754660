using System.Net;
using System.Net.Http.Headers;
using Verity.Cluster.Blobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.Agents.Http;

/// <summary>
/// <see cref="IBlobStore"/> over the node's blob proxy (<see cref="AgentRpc.BlobPath"/>), so remote agents need no
/// credentials for the blob store itself: GET (null on 404; checked against the digest the node sends), PUT (streamed), HEAD
/// and DELETE with the agent token; <see cref="ForTask"/> scopes the requests to one task's lease. The proxy
/// offers no listing or prefix delete (cleanup is the node's job), so those throw <see cref="NotSupportedException"/>.
/// Failures the node may get over (5xx, 408, 429, connection errors) are <see cref="HttpRequestException"/>, a transfer
/// without an answer within the timeout is a <see cref="TimeoutException"/>; refusals (4xx) are
/// <see cref="InvalidOperationException"/> naming the key and the node's reason.
/// <para>
/// Every operation is idempotent, so failures the node may get over are retried with capped exponential backoff for
/// up to the retry window (5 minutes by default): a runner's upload waits out a node restart or a full disk on the
/// node (507) instead of failing its task. The agent keeps heartbeating meanwhile; a lost lease cancels the wait. A
/// streamed upload is retried only when its stream can seek back; a corrupted blob is never retried.
/// </para>
/// </summary>
public sealed class HttpBlobStore : IBlobStore
{
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly HttpClient _http;
    private readonly Uri _node;
    private readonly Uri _blobs;
    private readonly AuthenticationHeaderValue _auth;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _retryFor;
    private readonly TimeSpan _maxRetryDelay;
    private readonly (string TaskId, string LeaseId)? _scope;

    /// <param name="http">The client to send with (its own timeout should be infinite: transfers are timed here).</param>
    /// <param name="node">The node's base address.</param>
    /// <param name="token">The agent token.</param>
    /// <param name="timeout">Longest time one transfer may take (default 10 minutes: proofs and runs can be large).</param>
    /// <param name="retryFor">How long transient failures are retried before the last one is thrown (default 5
    /// minutes; zero: one try).</param>
    /// <param name="maxRetryDelay">Longest wait between two tries (default 5 s).</param>
    public HttpBlobStore(HttpClient http, Uri node, string token, TimeSpan? timeout = null, TimeSpan? retryFor = null, TimeSpan? maxRetryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _node = NodeAddress.Normalize(node);
        _blobs = NodeAddress.Combine(_node, AgentRpc.BlobPath.TrimEnd('/') + "/");
        _auth = AgentHttp.BearerToken(token);
        _timeout = timeout ?? TimeSpan.FromMinutes(10);
        if (_timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), "the transfer timeout must be positive");
        _retryFor = retryFor ?? TimeSpan.FromMinutes(5);
        if (_retryFor < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(retryFor), "the retry window must not be negative");
        _maxRetryDelay = maxRetryDelay ?? TimeSpan.FromSeconds(5);
        if (_maxRetryDelay <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maxRetryDelay), "the longest retry delay must be positive");
    }

    private HttpBlobStore(HttpBlobStore from, string taskId, long leaseId)
    {
        _http = from._http;
        _node = from._node;
        _blobs = from._blobs;
        _auth = from._auth;
        _timeout = from._timeout;
        _retryFor = from._retryFor;
        _maxRetryDelay = from._maxRetryDelay;
        _scope = (taskId, leaseId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The same proxy for the work of one task: every request names the task and lease (<see cref="AgentRpc.TaskHeader"/>,
    /// <see cref="AgentRpc.LeaseHeader"/>), and the node lets it read only that task's inputs and write only its outputs.
    /// </summary>
    public HttpBlobStore ForTask(string taskId, long leaseId)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        return new HttpBlobStore(this, taskId, leaseId);
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default) =>
        RetryAsync(async c => { await PutOnceAsync(key, data, c).ConfigureAwait(false); return true; }, ct);

    /// <summary>Streams the body (with its length when known), so a large run or proof is never held in memory.</summary>
    public Task PutAsync(string key, Stream data, long? length, CancellationToken ct = default)
    {
        if (!data.CanSeek) return PutOnceAsync(key, data, length, ct);
        long start = data.Position;
        return RetryAsync(async c =>
        {
            data.Position = start;
            await PutOnceAsync(key, data, length, c).ConfigureAwait(false);
            return true;
        }, ct);
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken ct = default) => RetryAsync(c => GetOnceAsync(key, c), ct);

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) => RetryAsync(c => ExistsOnceAsync(key, c), ct);

    public Task DeleteAsync(string key, CancellationToken ct = default) =>
        RetryAsync(async c => { await DeleteOnceAsync(key, c).ConfigureAwait(false); return true; }, ct);

    private async Task PutOnceAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var content = new ReadOnlyMemoryContent(data);
        content.Headers.ContentType = OctetStream;
        using var response = await SendAsync(HttpMethod.Put, key, content, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "PUT", key, ct).ConfigureAwait(false);
    }

    private async Task PutOnceAsync(string key, Stream data, long? length, CancellationToken ct)
    {
        // Left open: a retry seeks back and sends it again; the caller owns the stream.
        var content = new StreamContent(new NonClosingStream(data), 1 << 16);
        content.Headers.ContentType = OctetStream;
        if (length is long n) content.Headers.ContentLength = n;
        using var response = await SendAsync(HttpMethod.Put, key, content, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "PUT", key, ct).ConfigureAwait(false);
    }

    /// <summary>The blob's bytes, checked against the digest the node sent (<see cref="AgentRpc.Sha256Header"/>).</summary>
    private async Task<byte[]?> GetOnceAsync(string key, CancellationToken ct)
    {
        using var timeout = Timeout(ct);
        try
        {
            await using var stream = await OpenCoreAsync(key, timeout.Token).ConfigureAwait(false);
            if (stream == null) return null;
            var bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, timeout.Token).ConfigureAwait(false);
            return bytes;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw TimedOut("GET", key);
        }
    }

    /// <summary>The blob as a stream checked against the node's digest as it is read (no transfer timeout: the caller's token bounds it).</summary>
    public Task<BlobReadStream?> OpenReadAsync(string key, CancellationToken ct = default) => RetryAsync(c => OpenCoreAsync(key, c), ct);

    private async Task<BlobReadStream?> OpenCoreAsync(string key, CancellationToken ct)
    {
        var response = await SendCoreAsync(HttpMethod.Get, key, null, ct).ConfigureAwait(false);
        try
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                response.Dispose();
                return null;
            }
            await EnsureSuccessAsync(response, "GET", key, ct).ConfigureAwait(false);
            string? sha = response.Headers.TryGetValues(AgentRpc.Sha256Header, out var values) ? values.FirstOrDefault() : null;
            long? length = response.Content.Headers.ContentLength;
            if (!BlobDigest.TryParse(sha, length?.ToString(System.Globalization.CultureInfo.InvariantCulture), out var digest))
                throw new BlobCorruptedException(key, $"the node at {_node} sent no digest or length with it");
            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            return new BlobReadStream(body, key, digest, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<bool> ExistsOnceAsync(string key, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Head, key, null, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureSuccessAsync(response, "HEAD", key, ct).ConfigureAwait(false);
        return true;
    }

    private async Task DeleteOnceAsync(string key, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Delete, key, null, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(response, "DELETE", key, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="once"/> until it succeeds, retrying transient failures (connection errors, 5xx, 408, 429,
    /// timeouts) with backoff while the retry window lasts; refusals, bad keys and corrupted blobs are thrown at once.
    /// </summary>
    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> once, CancellationToken ct)
    {
        long deadline = Environment.TickCount64 + (long)_retryFor.TotalMilliseconds;
        var backoff = new Backoff(_maxRetryDelay);
        while (true)
        {
            try
            {
                return await once(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                var delay = backoff.Next();
                if (Environment.TickCount64 + (long)delay.TotalMilliseconds > deadline) throw;
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or TimeoutException or IOException && e is not BlobCorruptedException;

    public Task<int> DeletePrefixAsync(string prefix, CancellationToken ct = default) =>
        throw new NotSupportedException($"the node's agent blob proxy cannot delete by prefix ('{prefix}'): blob cleanup is done by the node, not by agents");

    public IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct = default) =>
        throw new NotSupportedException($"the node's agent blob proxy cannot list blobs ('{prefix}'): agents address blobs by their keys");

    /// <summary>Sends a request whose answer has no body to read (PUT, HEAD, DELETE), under the transfer timeout.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string key, HttpContent? content, CancellationToken ct)
    {
        using var timeout = Timeout(ct);
        try
        {
            var response = await SendCoreAsync(method, key, content, timeout.Token).ConfigureAwait(false);
            // Read a (small) error body now, while the timeout still applies.
            if (!response.IsSuccessStatusCode) await response.Content.LoadIntoBufferAsync(timeout.Token).ConfigureAwait(false);
            return response;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw TimedOut(method.Method, key);
        }
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, string key, HttpContent? content, CancellationToken ct)
    {
        if (!BlobKeys.IsValid(key)) throw new ArgumentException($"'{key}' is not a valid blob key", nameof(key));
        // Keys are validated to [a-z0-9/._-], so they need no escaping in the path.
        using var request = new HttpRequestMessage(method, new Uri(_blobs, key)) { Content = content };
        request.Headers.Authorization = _auth;
        if (_scope is var (taskId, leaseId))
        {
            request.Headers.Add(AgentRpc.TaskHeader, taskId);
            request.Headers.Add(AgentRpc.LeaseHeader, leaseId);
        }
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string verb, string key, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        int status = (int)response.StatusCode;
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        string what = $"{verb} blob '{key}' on {_node}: the node answered {status} {response.ReasonPhrase}{HttpBrokerConnection.Detail(body)}";
        if (response.Headers.Contains(AgentRpc.CorruptedHeader)) throw new BlobCorruptedException(key, $"the node at {_node} found it corrupted");
        if (status >= 500 || status is 408 or 429) throw new HttpRequestException(what, null, response.StatusCode);
        if (status == (int)HttpStatusCode.Unauthorized) throw new InvalidOperationException(what + " (check the agent token)");
        throw new InvalidOperationException(what);
    }

    private CancellationTokenSource Timeout(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        return cts;
    }

    private TimeoutException TimedOut(string verb, string key) =>
        new($"{verb} blob '{key}': the node at {_node} did not finish the transfer within {_timeout.TotalSeconds:0.#} s");
}
