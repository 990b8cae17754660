using System.Net;
using System.Text.Json.Nodes;
using Verity.Aztec.Protocol;
using Verity.Aztec.Tests.Infrastructure;
using Verity.Cluster.Tests.Store;

namespace Verity.Aztec.Tests.Review;

/// <summary>
/// Review R1: requests an Aztec client (or anything that reaches the listener) can send that make the endpoint
/// misbehave. Each test states the behaviour Aztec's own 4.1.2 broker and server show for the same request; a test
/// that fails names a finding of the review (see the report), and passes once it is fixed.
/// </summary>
public abstract class EndpointAttackTests
{
    private const int ParityBase = (int)ProvingRequestType.PARITY_BASE;

    private protected abstract Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null);

    /// <summary>
    /// A JS agent's error message can hold a lone surrogate (a string cut inside a surrogate pair); JSON.stringify
    /// sends it as the escape \ud800 and Aztec's server (JSON.parse) accepts it. Verity's reportProvingJobError must
    /// settle the job too: if the call fails, Aztec's agent re-sends the same report every poll, forever, and never
    /// takes another job.
    /// </summary>
    [Fact]
    public async Task ReportProvingJobError_with_a_lone_surrogate_in_the_message_settles_the_job()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("1:PARITY_BASE:s", ParityBase, 1));
        Assert.Equal("1:PARITY_BASE:s", (await rpc.TakeAsync())!.Value.Id);

        var (status, body) = await rpc.PostAsync(
            """[{"jsonrpc":"2.0","id":1,"method":"proverBroker_reportProvingJobError","params":["1:PARITY_BASE:s","bb failed: \ud83d",false,{"allowList":[]}]}]""");
        Assert.True(status == HttpStatusCode.OK, $"HTTP {(int)status}: {body}");
        Assert.Null(JsonNode.Parse(body)![0]!["error"]);
        Assert.Equal("rejected", (string)(await rpc.StatusAsync("1:PARITY_BASE:s"))["status"]!);
    }

    /// <summary>
    /// One unreadable item must not cost the other items of its batch their replies: here the getProvingJob before it
    /// has already marked a job in progress, and if the batch is answered 500 no agent learns it holds that job (it
    /// sits until the timeout, which then burns one of its attempts).
    /// </summary>
    [Fact]
    public async Task A_batch_item_with_an_unreadable_string_does_not_lose_the_replies_of_the_others()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("1:PARITY_BASE:b", ParityBase, 1));

        var (status, body) = await rpc.PostAsync("""
            [{"jsonrpc":"2.0","id":1,"method":"proverBroker_getProvingJob","params":[{"allowList":[]}]},
             {"jsonrpc":"2.0","id":2,"method":"proverBroker_getProvingJobStatus","params":["\udc00"]}]
            """);
        Assert.True(status == HttpStatusCode.OK, $"HTTP {(int)status}: {body}");
        var replies = JsonNode.Parse(body)!.AsArray();
        Assert.Equal(2, replies.Count);
        Assert.Equal("1:PARITY_BASE:b", (string)replies[0]!["result"]!["job"]!["id"]!);
    }

    /// <summary>
    /// Bytes that are not UTF-8 inside a JSON string (Aztec's clients never send them; anything on the network can):
    /// answered as a parse error or a per-call error, never with a 500 or a dropped connection.
    /// </summary>
    [Fact]
    public async Task Invalid_UTF8_inside_a_string_is_answered_not_500()
    {
        await using var node = await StartAsync();
        var bytes = new List<byte>(System.Text.Encoding.UTF8.GetBytes(
            """[{"jsonrpc":"2.0","id":1,"method":"proverBroker_getProvingJobStatus","params":["a"""));
        bytes.AddRange([0xC3, 0x28, 0xFF]);
        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes("\"]}]"));
        var (status, body) = await node.Rpc.PostBytesAsync([.. bytes]);
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"HTTP {(int)status}: {body}");
        Assert.NotNull(JsonNode.Parse(body));
    }

    /// <summary>
    /// zod's z.number() takes any JSON number; Aztec's server answers reportProvingJobProgress with 1e400 (Infinity)
    /// like any other call. Verity must answer it (a result or a -32701), never with a 500.
    /// </summary>
    [Fact]
    public async Task ReportProvingJobProgress_with_an_out_of_range_startedAt_is_answered_not_500()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("1:PARITY_BASE:n", ParityBase, 1));
        Assert.NotNull(await rpc.TakeAsync());

        var (status, body) = await rpc.PostAsync(
            """[{"jsonrpc":"2.0","id":1,"method":"proverBroker_reportProvingJobProgress","params":["1:PARITY_BASE:n",1e400]}]""");
        Assert.True(status == HttpStatusCode.OK, $"HTTP {(int)status}: {body}");
        Assert.Single(JsonNode.Parse(body)!.AsArray());
    }

    /// <summary>
    /// An agent's error message is whatever its prover printed, NUL bytes included; Aztec's broker stores it as a JS
    /// string. On PostgreSQL (TEXT refuses NUL) the report must still settle the job, or the agent loops on it forever.
    /// </summary>
    [Fact]
    public async Task ReportProvingJobError_with_a_NUL_in_the_message_settles_the_job()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("1:PARITY_BASE:z", ParityBase, 1));
        Assert.NotNull(await rpc.TakeAsync());

        await rpc.CallAsync("reportProvingJobError", "1:PARITY_BASE:z", "bb exited: \u0000\u0001 core dumped", false);
        var status = await rpc.StatusAsync("1:PARITY_BASE:z");
        Assert.Equal("rejected", (string)status["status"]!);
        Assert.StartsWith("bb exited: ", (string)status["reason"]!);
    }

    /// <summary>
    /// zod's ProvingJobId is any string, so "" is a valid id and Aztec's broker hands such a job out. Verity's pick
    /// excludes id "" on every getProvingJob (it stands for "no job to exclude"), so the job is never handed out and
    /// never times out: lost while unsettled.
    /// </summary>
    [Fact]
    public async Task GetProvingJob_hands_out_a_job_whose_id_is_the_empty_string()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        Assert.Equal("not-found", await rpc.EnqueueAsync(AztecRpc.Job("", ParityBase, 1)));
        var taken = await rpc.TakeAsync();
        Assert.NotNull(taken);
        Assert.Equal("", taken!.Value.Id);
    }

    /// <summary>
    /// Aztec's own broker has this exposure; Verity refuses epochs too far ahead: one enqueue with an absurd epoch raised the
    /// epoch height for good, and the next cleanup pass deletes every other job, in progress ones included, so the
    /// agents' results are lost and the prover node's epoch with them; every later enqueue is refused as stale.
    /// Verity keeps the height in the database, so a restart does not undo it.
    /// </summary>
    [Fact]
    public async Task One_enqueue_with_an_absurd_epoch_does_not_delete_the_jobs_of_the_current_epoch()
    {
        await using var node = await StartAsync();
        var rpc = node.Rpc;
        await rpc.EnqueueAsync(AztecRpc.Job("7:PARITY_BASE:a", ParityBase, 7));
        Assert.Equal("7:PARITY_BASE:a", (await rpc.TakeAsync())!.Value.Id);

        // Refused (Node:Aztec:MaxEpochsAhead), so it cannot make the current epoch stale.
        var (code, message) = await rpc.ErrorAsync("enqueueProvingJob", AztecRpc.Job("poison", ParityBase, long.MaxValue));
        Assert.Equal(RpcError.CallFailed, code);
        Assert.Contains("Epoch too far ahead", message);
        await node.Node.Aztec!.Broker.CleanupAsync();

        Assert.Equal("in-progress", (string)(await rpc.StatusAsync("7:PARITY_BASE:a"))["status"]!);
        Assert.Equal("not-found", await rpc.EnqueueAsync(AztecRpc.Job("8:PARITY_BASE:b", ParityBase, 8)));
    }
}

public sealed class SqliteEndpointAttackTests : EndpointAttackTests
{
    private protected override Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null) =>
        AztecTestNode.StartAsync(null, configure);
}

public sealed class PostgresEndpointAttackTests(PostgresDatabaseFixture database) : EndpointAttackTests, IClassFixture<PostgresDatabaseFixture>
{
    private protected override async Task<AztecTestNode> StartAsync(Func<AztecOptions, AztecOptions>? configure = null) =>
        await AztecTestNode.StartAsync(await database.NewSchemaAsync(), configure);
}
