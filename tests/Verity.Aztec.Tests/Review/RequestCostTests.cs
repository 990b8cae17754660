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
    /// getProvingJob's allowList is written into the SQL text one entry at a time (no dedupe, no bound), and Dapper
    /// caches every distinct statement text it runs: a 1 KiB gzip request whose allowList repeats one type 500 000
    /// times leaves a 2 MiB statement in that cache, and each variation of the list another (until Dapper's purge after
    /// a thousand new statements, i.e. GiBs later). Each such call also holds the SQLite write gate while SQLite parses
    /// the statement (measured here: 3.3 s for 10^6 entries, 8.6 s for 4·10^6; PostgreSQL 5.1 s and 21.7 s).
    /// </summary>
    [Fact]
    public async Task Distinct_huge_allow_lists_leave_no_memory_behind()
    {
        await using var node = await AztecTestNode.StartAsync();
        var rpc = node.Rpc;
        await rpc.PostBytesAsync(AllowListRequest(50_000, last: 17), "gzip"); // warm-up: first-call costs are not counted
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        for (int k = 0; k < 10; k++)
        {
            // Within the values one request may hold (the endpoint's MaxValues), so it is answered.
            var (status, _) = await rpc.PostBytesAsync(AllowListRequest(150_000, last: k), "gzip");
            Assert.Equal(HttpStatusCode.OK, status);
        }
        long retained = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        Assert.True(retained < 8L << 20, $"ten small gzip getProvingJob requests left {retained >> 20} MiB behind");
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
