using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Verity.Aztec.Protocol;
using Verity.Aztec.Tests.Infrastructure;

namespace Verity.Aztec.Tests.Review;

/// <summary>
/// Review R2: attacks on the endpoint as changed after review R1 (heartbeat-count timeouts, MaxEpochsAhead, the
/// request-body budget, the schema). Each test states the behaviour that should hold; a failing test names a finding
/// of the review (see the report) and passes once it is fixed.
/// </summary>
public sealed class Review2Tests
{
    private const int ParityBase = (int)ProvingRequestType.PARITY_BASE;

    /// <summary>
    /// MaxEpochsAhead bounds each enqueue against the height, but every accepted enqueue raises the height: one batch
    /// of 100 enqueues, each MaxEpochsAhead past the one before it, pushes the height 100 000 epochs ahead. The next
    /// cleanup pass deletes the running job of the current epoch, and the prover node's next epoch is refused as too
    /// old — for good, since the height is stored. R1's absurd-epoch finding, in 1 request instead of 1 call.
    /// </summary>
    [Fact]
    public async Task A_batch_of_enqueues_each_within_MaxEpochsAhead_does_not_carry_the_epoch_height_away()
    {
        await using var node = await AztecTestNode.StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("7:PARITY_BASE:a", ParityBase, 7));
        Assert.Equal("7:PARITY_BASE:a", (await rpc.TakeAsync())!.Value.Id);
        long ahead = node.Node.Aztec!.Broker.Options.MaxEpochsAhead;

        var batch = new JsonArray();
        for (int k = 1; k <= 100; k++)
        {
            batch.Add(new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = k,
                ["method"] = "proverBroker_enqueueProvingJob",
                ["params"] = new JsonArray(AztecRpc.Job($"ratchet-{k}", ParityBase, 7 + k * ahead)),
            });
        }
        var (status, text) = await rpc.PostAsync(batch.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        // Every call is measured from the epoch of the last cleanup pass (here the first job's, 7): only the first,
        // MaxEpochsAhead past it, is accepted; the rest are refused however the batch climbs.
        var replies = JsonNode.Parse(text)!.AsArray();
        Assert.Null(replies[0]!["error"]);
        Assert.All(replies.Skip(1), r => Assert.Contains("Epoch too far ahead", (string)r!["error"]!["message"]!));
        await node.Node.Aztec!.Broker.CleanupAsync();

        long height = await node.Node.Aztec!.Broker.EpochHeightAsync();
        Assert.True(height - 7 <= ahead, $"the epoch height moved from 7 to {height} (MaxEpochsAhead {ahead})");
    }
}

public sealed class Review2BudgetTests
{
    /// <summary>
    /// The request-body budget (4 × MaxBodyBytes held at once, then 503) is held by bodies still arriving: a few
    /// uploads that send exactly MaxBodyBytes each, four in all (here gzip: about 1 KiB each on the wire) and then only empty deflate
    /// blocks (a trickle above Kestrel's minimum data rate, inflating to nothing) hold it for as long as they like.
    /// Meanwhile every other request — an agent's 200-byte heartbeat included — is answered 503 on its first byte;
    /// Aztec's client gives up after three retries (1+2+3 s), the agent's heartbeats fail, and its job times out and
    /// spends an attempt. Small bodies must still get through.
    /// </summary>
    [Fact]
    public async Task Stalled_uploads_do_not_make_the_endpoint_refuse_a_heartbeat()
    {
        const long maxBody = 1 << 20;
        await using var node = await AztecTestNode.StartAsync(configure: o => o with { MaxBodyBytes = maxBody });
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("1:PARITY_BASE:h", (int)ProvingRequestType.PARITY_BASE, 1));
        long startedAt = (await rpc.TakeAsync())!.Value.Time;

        byte[] head = StalledGzipHead((int)maxBody);
        var release = new TaskCompletionSource();
        const int uploads = AztecHttpEndpointBudget.Factor; // each holds MaxBodyBytes: together, the whole budget
        var sent = Enumerable.Range(0, uploads).Select(_ => new TaskCompletionSource()).ToArray();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var stalled = sent.Select(s => Task.Run(async () =>
        {
            using var content = new StalledContent(head, s, release.Task);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            content.Headers.ContentEncoding.Add("gzip");
            try { using var _ = await http.PostAsync(node.Address, content); }
            catch (Exception) { } // ended by the test
        })).ToArray();
        try
        {
            // Hang guard: the uploads' heads are on the wire and the node has inflated them (the buffers it grew to
            // hold about MaxBodyBytes each show in the process's allocations).
            await Task.WhenAll(sent.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(120));
            var guard = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (GC.GetTotalAllocatedBytes(precise: true) - before < uploads * maxBody * 3 / 2)
            {
                Assert.True(DateTime.UtcNow < guard, "the node did not read the stalled uploads");
                await Task.Delay(50);
            }

            var reply = await rpc.CallRawAsync("reportProvingJobProgress", ["1:PARITY_BASE:h", startedAt]); // asserts HTTP 200
            Assert.Null(reply["error"]);
        }
        finally
        {
            release.SetResult();
            http.CancelPendingRequests();
            await Task.WhenAll(stalled).WaitAsync(TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>A gzip stream, flushed but never finished, of the first <paramref name="bytes"/> bytes of a call (an unterminated string).</summary>
    private static byte[] StalledGzipHead(int bytes)
    {
        var json = new StringBuilder(bytes + 200);
        json.Append("""[{"jsonrpc":"2.0","id":1,"method":"proverBroker_getProvingJobStatus","params":[" """.TrimEnd());
        json.Append('a', bytes - json.Length);
        using var buffer = new MemoryStream();
        var z = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true);
        z.Write(Encoding.UTF8.GetBytes(json.ToString()));
        z.Flush(); // a sync flush: everything so far can be inflated, and no trailer is written
        return buffer.ToArray();
    }

    /// <summary>Sends <paramref name="head"/>, says so, then keeps the body open without adding to it until released.</summary>
    private sealed class StalledContent(byte[] head, TaskCompletionSource sent, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(head);
            await stream.FlushAsync();
            sent.TrySetResult();
            // Then only empty stored deflate blocks (they inflate to nothing), 1.5 KB/s: above Kestrel's minimum
            // request-body data rate (240 B/s), so the connection is kept, and the body never grows or ends.
            byte[] empty = [.. Enumerable.Repeat<byte[]>([0x00, 0x00, 0x00, 0xFF, 0xFF], 30).SelectMany(b => b)];
            while (!release.IsCompleted)
            {
                await stream.WriteAsync(empty);
                await stream.FlushAsync();
                await Task.WhenAny(release, Task.Delay(100));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>The endpoint's budget factor, restated (its class is internal to Verity.Aztec).</summary>
internal static class AztecHttpEndpointBudget
{
    public const int Factor = 4;
}
