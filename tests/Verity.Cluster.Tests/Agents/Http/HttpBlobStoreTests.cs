using System.Collections.Concurrent;
using Verity.Cluster.Agents.Http;
using Verity.Cluster.Blobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Agents.Http;

/// <summary>The agent's blob store over the node's blob proxy, against a stub node holding blobs in a dictionary.</summary>
public sealed class HttpBlobStoreTests : IDisposable
{
    private const string Token = "blob-token";
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly StubHttpServer _server;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private int _flakyPuts; // PUTs still to answer 507

    public HttpBlobStoreTests()
    {
        _server = new StubHttpServer(r =>
        {
            if (r.Header("Authorization") != $"Bearer {Token}") return StubResponse.Json(401, "{\"error\":\"wrong token\"}");
            string prefix = AgentRpc.BlobPath + "/";
            if (!r.Path.StartsWith(prefix, StringComparison.Ordinal)) return StubResponse.Empty(404);
            string key = r.Path[prefix.Length..];
            switch (r.Method)
            {
                case "GET":
                    if (!_blobs.TryGetValue(key, out var b)) return StubResponse.Empty(404);
                    // The digest the node recorded; "rotten" blobs arrive with other bytes than it says.
                    string sha = BlobDigest.Of(b).Sha256Hex;
                    if (key.EndsWith("/rotten", StringComparison.Ordinal)) b = [.. b.Select(x => (byte)(x ^ 1))];
                    if (key.EndsWith("/corrupted", StringComparison.Ordinal))
                        return StubResponse.Json(500, "{\"error\":\"blob is corrupted\"}") with { Headers = new Dictionary<string, string> { [AgentRpc.CorruptedHeader] = "true" } };
                    return StubResponse.Bytes(b) with { Headers = new Dictionary<string, string> { [AgentRpc.Sha256Header] = sha } };
                case "HEAD": return StubResponse.Empty(_blobs.ContainsKey(key) ? 200 : 404);
                case "DELETE": return StubResponse.Empty(_blobs.TryRemove(key, out _) ? 204 : 404);
                case "PUT":
                    if (!key.StartsWith("jobs/", StringComparison.Ordinal)) return StubResponse.Json(403, "{\"error\":\"agents may only write under jobs/\"}");
                    if (r.Header("Content-Type") != "application/octet-stream") return StubResponse.Empty(415);
                    if (key.EndsWith("/boom", StringComparison.Ordinal)) return StubResponse.Text(500, "disk full");
                    if (Interlocked.Decrement(ref _flakyPuts) >= 0) return StubResponse.Json(507, "{\"error\":\"the node's storage is full\"}");
                    _blobs[key] = r.Body;
                    return StubResponse.Empty(204);
                default: return StubResponse.Empty(405);
            }
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        _http.Dispose();
    }

    private HttpBlobStore Store(string token = Token, TimeSpan? retryFor = null) =>
        new(_http, _server.BaseAddress, token, retryFor: retryFor, maxRetryDelay: TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task Put_get_exists_and_delete_round_trip_through_the_proxy()
    {
        var store = Store();
        string key = BlobKeys.Proof("0123456789abcdef0123456789abcdef", 3);
        byte[] data = [.. Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7))];

        Assert.Null(await store.GetAsync(key));
        Assert.False(await store.ExistsAsync(key));
        await store.PutAsync(key, data);
        Assert.True(await store.ExistsAsync(key));
        Assert.Equal(data, await store.GetAsync(key));
        await store.DeleteAsync(key);
        Assert.False(await store.ExistsAsync(key));
        await store.DeleteAsync(key); // deleting a missing blob is fine

        var put = Assert.Single(_server.Requests, r => r.Method == "PUT");
        Assert.Equal($"{AgentRpc.BlobPath}/{key}", put.Path);
        Assert.Equal(data, put.Body);
    }

    [Fact]
    public async Task A_task_scoped_store_names_the_task_and_lease_in_every_request_and_streams_uploads()
    {
        var store = Store().ForTask("0123456789abcdef0123456789abcdef:prove:3", 42);
        string key = BlobKeys.Proof("0123456789abcdef0123456789abcdef", 3);
        byte[] data = [.. Enumerable.Range(0, 100_000).Select(i => (byte)(i * 3))];
        await store.PutAsync(key, new MemoryStream(data), data.Length);
        Assert.Equal(data, await store.GetAsync(key));
        await using (var stream = await store.OpenReadAsync(key))
        {
            Assert.NotNull(stream);
            Assert.Equal(data.Length, stream.Length);
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(data, copy.ToArray());
        }
        Assert.All(_server.Requests, r =>
        {
            Assert.Equal("0123456789abcdef0123456789abcdef:prove:3", r.Header(AgentRpc.TaskHeader));
            Assert.Equal("42", r.Header(AgentRpc.LeaseHeader));
        });
        Assert.Equal(data, Assert.Single(_server.Requests, r => r.Method == "PUT").Body);
        // The unscoped store sends neither.
        await Store().ExistsAsync(key);
        Assert.Null(_server.Requests.Last().Header(AgentRpc.TaskHeader));
    }

    [Fact]
    public async Task Bytes_that_do_not_match_the_nodes_digest_are_a_corrupted_blob()
    {
        var store = Store();
        string rotten = "jobs/0123456789abcdef0123456789abcdef/rotten";
        _blobs[rotten] = [1, 2, 3, 4];
        var e = await Assert.ThrowsAsync<BlobCorruptedException>(() => store.GetAsync(rotten));
        Assert.Equal(rotten, e.Key);
        Assert.Contains("SHA-256", e.Message);

        string corrupted = "jobs/0123456789abcdef0123456789abcdef/corrupted";
        _blobs[corrupted] = [1];
        Assert.Equal(corrupted, (await Assert.ThrowsAsync<BlobCorruptedException>(() => store.GetAsync(corrupted))).Key);
    }

    [Fact]
    public async Task Invalid_keys_are_refused_before_any_request()
    {
        var store = Store();
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("../secrets.json"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync("jobs/A/x", new byte[1]));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Refusals_name_the_key_and_the_nodes_reason()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Store().PutAsync("images/abc", new byte[] { 1 }));
        Assert.Contains("images/abc", e.Message);
        Assert.Contains("403", e.Message);
        Assert.Contains("only write under jobs/", e.Message);

        var auth = await Assert.ThrowsAsync<InvalidOperationException>(() => Store("other-token").GetAsync("jobs/x/run"));
        Assert.Contains("401", auth.Message);
        Assert.Contains("token", auth.Message);
    }

    [Fact]
    public async Task Server_errors_are_transient_HttpRequestExceptions()
    {
        // No retry window: the first failure is what the caller sees.
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => Store(retryFor: TimeSpan.Zero).PutAsync("jobs/x/boom", new byte[] { 1 }));
        Assert.Contains("disk full", e.Message);
        Assert.Equal(500, (int?)e.StatusCode);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_the_upload_goes_through()
    {
        // The node answers 507 (its disk is full) twice, then takes the upload: the runner never sees the outage.
        string key = BlobKeys.Proof("0123456789abcdef0123456789abcdef", 0);
        _flakyPuts = 2;
        await Store().PutAsync(key, new byte[] { 7, 8, 9 });

        Assert.Equal(new byte[] { 7, 8, 9 }, _blobs[key]);
        Assert.Equal(3, _server.Requests.Count(r => r.Method == "PUT"));
    }

    [Fact]
    public async Task A_node_that_cannot_be_reached_is_retried_and_the_last_error_thrown_when_the_window_ends()
    {
        var store = new HttpBlobStore(_http, new Uri($"http://127.0.0.1:{StubHttpServer.FreePort()}/"), Token,
            retryFor: TimeSpan.FromMilliseconds(300), maxRetryDelay: TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAsync<HttpRequestException>(() => store.GetAsync("jobs/x/run"));
    }

    [Fact]
    public async Task Refusals_are_not_retried()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store().PutAsync("images/abc", new byte[] { 1 }));
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Listing_and_prefix_deletes_are_not_offered_to_agents()
    {
        var store = Store();
        var list = Assert.Throws<NotSupportedException>(() => store.ListAsync("jobs/"));
        Assert.Contains("list", list.Message);
        var delete = await Assert.ThrowsAsync<NotSupportedException>(() => store.DeletePrefixAsync("jobs/x/"));
        Assert.Contains("prefix", delete.Message);
    }
}
