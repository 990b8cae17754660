using System.Net;
using System.Net.Sockets;
using System.Text;
using Verity.Cluster.Blobs;
using Verity.Cluster.Protocol;

namespace Verity.Node.Tests;

/// <summary>Runs alone: the memory test measures the process's allocations, which other tests would add to.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (measures process-wide allocations)";
}

/// <summary>The blob proxy streams uploads to the store: bounded memory, and a stalled body is cut off.</summary>
[Collection(SerialCollection.Name)]
public sealed class BlobStreamingTests
{
    [Fact]
    public async Task A_256_MiB_upload_streams_to_the_store_without_growing_the_heap()
    {
        const long size = 256L << 20;
        await using var node = await TestNode.StartAsync(o => o with { MaxAgentBlobBytes = 1L << 30, BlobLimits = o.BlobLimits with { Run = 1L << 30 } });
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute");
        string key = BlobKeys.Run(jobId);

        // Warm up the route (JIT, connection, pools) with a small upload, then measure the big one.
        using (var warm = await node.BlobAsync(HttpMethod.Put, key, new byte[100_000], lease: execute.Lease)) Assert.Equal(HttpStatusCode.NoContent, warm.StatusCode);
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var content = new StreamContent(new PatternStream(size), 1 << 16);
        content.Headers.ContentLength = size; // the declared length used to be allocated up front
        using (var put = await node.BlobAsync(HttpMethod.Put, key, content, lease: execute.Lease)) Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // Buffering would allocate at least the 256 MiB body; streaming allocates per request, not per byte.
        Assert.True(allocated < 32L << 20, $"the upload allocated {allocated >> 20} MiB");
        await using var stored = await node.Blobs.OpenReadAsync(key);
        Assert.NotNull(stored);
        Assert.Equal(size, stored.Length);
        await stored.CopyToAsync(Stream.Null); // the digest checks out end to end
    }

    [Fact]
    public async Task A_stalled_upload_is_cut_off_after_the_idle_timeout()
    {
        await using var node = await TestNode.StartAsync(o => o with { BlobLimits = o.BlobLimits with { IdleTimeout = TimeSpan.FromMilliseconds(300) } });
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute");
        string key = BlobKeys.Run(jobId);

        string text = await StallAsync(node, $"PUT {AgentRpc.BlobPath}/{key} HTTP/1.1\r\n" +
            $"Authorization: Bearer {TestNode.AgentToken}\r\n{AgentRpc.TaskHeader}: {execute.TaskId}\r\n{AgentRpc.LeaseHeader}: {execute.Lease.LeaseId}\r\n");
        Assert.StartsWith("HTTP/1.1 408", text);
        Assert.Contains("no data arrived for 0.3 s after 10 bytes; the upload was cut off", text);
        Assert.False(await node.Blobs.ExistsAsync(key));
    }

    [Fact]
    public async Task A_stalled_client_input_upload_is_cut_off_too()
    {
        await using var node = await TestNode.StartAsync(o => o with { BlobLimits = o.BlobLimits with { IdleTimeout = TimeSpan.FromMilliseconds(300) } });
        string text = await StallAsync(node, $"POST /v1/inputs HTTP/1.1\r\n{JobApi.ApiKeyHeader}: {TestNode.ApiKey}\r\n", contentLength: 4000);
        Assert.StartsWith("HTTP/1.1 408", text);
        Assert.Contains("the input: no data arrived for 0.3 s after 10 bytes", text);
        Assert.Equal(0, await node.BlobCountAsync("inputs/"));
    }

    /// <summary>Sends a request's headers (<paramref name="head"/>: request line and extra headers) and 10 of its body's
    /// bytes, never the rest; returns what the node answers on its own.</summary>
    private static async Task<string> StallAsync(TestNode node, string head, int contentLength = 1_000_000)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(node.Node.BaseAddress.Host, node.Node.BaseAddress.Port);
        var stream = tcp.GetStream();
        string request = head + $"Host: {node.Node.BaseAddress.Authority}\r\nContent-Type: application/octet-stream\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await stream.WriteAsync(new byte[10]);
        await stream.FlushAsync();
        // The read is guarded against a hang only: the node answers once its idle timeout passes.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var response = new StringBuilder();
        var buffer = new byte[4096];
        int n;
        while (!response.ToString().Contains('}') && (n = await stream.ReadAsync(buffer, guard.Token)) > 0)
            response.Append(Encoding.UTF8.GetString(buffer, 0, n));
        return response.ToString();
    }

    /// <summary>A long stream of generated bytes that allocates nothing per read.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            for (int i = 0; i < n; i++) buffer[i] = (byte)((_position + i) * 31);
            _position += n;
            return n;
        }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromResult(Read(buffer, offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
