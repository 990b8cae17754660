using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Verity.Aztec.Tests.Infrastructure;

namespace Verity.Aztec.Tests.Review;

/// <summary>Alone in its collection: it measures the process's allocations, which other tests running beside it would add to.</summary>
[CollectionDefinition(nameof(RequestCostCollection), DisableParallelization = true)]
public sealed class RequestCostCollection;

/// <summary>
/// Review R1: what one cheap request can make the endpoint spend. Anyone on the listener's network can send it, any
/// number at once; Aztec's clients send no credentials.
/// </summary>
[Collection(nameof(RequestCostCollection))]
public sealed class RequestCostTests
{
    /// <summary>
    /// A 64 KiB gzip body that expands to 62 MiB of a params array of zeros (within the default 64 MiB limit, a size
    /// the endpoint must accept). Parsing such a document costs its own size plus the parser's index (~6 bytes
    /// per byte here); the endpoint spends well over a GiB on it (the body buffered twice, every params item copied
    /// into an array before the arity check), so a dozen such requests at once exhaust a prover host's memory.
    /// </summary>
    [Fact]
    public async Task A_64_KiB_gzip_request_does_not_make_the_node_allocate_a_GiB()
    {
        await using var node = await AztecTestNode.StartAsync();
        var rpc = node.Rpc;
        const int zeros = 31 << 20; // "0," each: 62 MiB, within the default 64 MiB limit
        var json = new StringBuilder(2 * zeros + 200);
        json.Append("""[{"jsonrpc":"2.0","id":1,"method":"proverBroker_getProvingJobStatus","params":["x",""");
        json.Insert(json.Length, "0,", zeros - 1).Append("0]}]");
        byte[] gzip;
        using (var buffer = new MemoryStream())
        {
            using (var z = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(Encoding.UTF8.GetBytes(json.ToString()));
            gzip = buffer.ToArray();
        }
        json.Clear();
        Assert.True(gzip.Length < 1 << 20, $"the compressed body is {gzip.Length} bytes");

        // Warm the endpoint up so its first-request costs are not counted.
        await rpc.StatusAsync("warm-up");
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var (status, body) = await rpc.PostBytesAsync(gzip, "gzip");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // Refused, as it should be: too many values in one request (before any parse index is built).
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("JSON values", body);
        Assert.True(allocated < 1L << 30, $"one {gzip.Length}-byte request made the process allocate {allocated >> 20} MiB");
    }
    /// <summary>
    /// getProvingJob's allowList was written into the SQL text one entry at a time, and Dapper caches every distinct
    /// statement text: a small gzip request repeating one type 500 000 times left a 2 MiB statement cached, and each
    /// variation another, while holding the SQLite write gate during the parse. The list is now reduced to distinct
    /// types (at most 18) where it is read, so the statement's text is one of a bounded set; a list past the endpoint's
    /// value cap is refused before it is parsed.
    /// </summary>
    [Fact]
    public async Task Huge_allow_lists_are_reduced_to_distinct_types_or_refused()
    {
        await using var node = await AztecTestNode.StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("m", 4, 1)); // TX_MERGE_ROLLUP
        var (status, body) = await rpc.PostBytesAsync(AllowListRequest(150_000, last: 17), "gzip");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("m", (string)JsonNode.Parse(body)![0]!["result"]!["job"]!["id"]!);

        using var document = System.Text.Json.JsonDocument.Parse("""[{"allowList":[4,17,4,4,17]}]""");
        var filter = Verity.Aztec.Protocol.RpcParams.From(document.RootElement, "getProvingJob", 0, 1).Filter(0);
        Assert.Equal([Verity.Aztec.Protocol.ProvingRequestType.TX_MERGE_ROLLUP, Verity.Aztec.Protocol.ProvingRequestType.PARITY_ROOT], filter.AllowList);

        (status, _) = await rpc.PostBytesAsync(AllowListRequest(500_000, last: 17), "gzip");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status); // more values than one request may hold
    }

    /// <summary>A getProvingJob whose allowList is <paramref name="repeats"/> times TX_MERGE_ROLLUP then <paramref name="last"/>, gzipped.</summary>
    private static byte[] AllowListRequest(int repeats, int last)
    {
        var json = new StringBuilder(2 * repeats + 200);
        json.Append("""[{"jsonrpc":"2.0","id":1,"method":"proverBroker_getProvingJob","params":[{"allowList":[""");
        json.Insert(json.Length, "4,", repeats).Append(last).Append("]}]}]");
        using var buffer = new MemoryStream();
        using (var z = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(Encoding.UTF8.GetBytes(json.ToString()));
        return buffer.ToArray();
    }
}
