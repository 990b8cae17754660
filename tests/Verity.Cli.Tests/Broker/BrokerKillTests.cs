using System.Net.Http.Json;
using System.Text.Json;
using Nethereum.RPC.Eth.DTOs;
using Verity.Broker.Api;
using Verity.Chain.Contracts;
using Verity.Cli.Commands.Soak;
using Verity.Cli.Tests.Market;

namespace Verity.Cli.Tests.Broker;

/// <summary>
/// `verity node --broker` killed with kill -9 while it holds a lock and a proving job: the restarted process (same data
/// dir) resumes the order from its database — the same job, no second lock, no second proof — and fulfils it in time.
/// The first process's agent only executes (it preflights and starts the proof, which then waits for a prover), so the
/// kill always lands while the order is proving: no race with the proof.
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed class BrokerKillTests(MarketFixture market) : IClassFixture<MarketFixture>, IDisposable
{
    private const string ApiKey = "broker-kill-key-0123456789abcdef";
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(180);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"verity-broker-kill-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <param name="agentTypes">the embedded agent's task types: "execute" alone preflights and starts a proof that never ends</param>
    private VerityChild StartNode(string name, string agentTypes)
    {
        var args = new[]
        {
            "node", "--broker", Path.Combine(_dir, "broker.toml"), "--data-dir", Path.Combine(_dir, "node"), "--listen", "http://127.0.0.1:0",
            "--api-key", ApiKey, "--agent-types", agentTypes, "--deployment", market.DeploymentFile, "--account", "prover",
        };
        return VerityChild.Start(name, args, new Dictionary<string, string>(), Path.Combine(_dir, "node.log"));
    }

    private static async Task<JsonElement> OrderAsync(Uri node, string requestId)
    {
        using var http = new HttpClient { BaseAddress = node };
        http.DefaultRequestHeaders.Add("x-api-key", ApiKey);
        while (true)
        {
            var response = await http.GetAsync($"v1/broker/requests/{requestId}");
            // 503 until the broker runs, 404 until it saw the request.
            if (response.IsSuccessStatusCode)
                return (await response.Content.ReadFromJsonAsync<JsonElement>(BrokerJson.Options)).EnumerateArray()
                    .Single(o => o.GetProperty("type").GetString() == "lock_and_fulfill");
            await Task.Delay(200);
        }
    }

    private static async Task<JsonElement> WaitForStateAsync(Uri node, string requestId, Func<JsonElement, bool> done)
    {
        while (true)
        {
            var order = await OrderAsync(node, requestId);
            if (done(order)) return order;
            await Task.Delay(200);
        }
    }

    [Fact]
    public Task A_broker_killed_while_proving_resumes_the_same_job_and_fulfils_without_a_second_lock() => WithLogAsync(KilledWhileProvingAsync);

    /// <summary>Runs the test; on failure its message carries the nodes' log (the directory is deleted afterwards).</summary>
    private async Task WithLogAsync(Func<Task> test)
    {
        try { await test(); }
        catch (Exception e)
        {
            string log = Path.Combine(_dir, "node.log");
            string tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(60)) : "(no log)";
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n--- node.log (last 60 lines):\n{tail}");
        }
    }

    private async Task KilledWhileProvingAsync()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "broker.toml"), """
            [market]
            mcycle_price = "1 wei"
            min_deadline = 30
            [prover]
            segment_po2 = 8
            parameters = "insecure-test"
            [batcher]
            block_deadline_buffer_secs = 20
            batch_max_time = 1
            """);
        string id = market.Submit("--lock-timeout", "900", "--timeout", "1800", "--ramp-up", "5");
        var requestId = Verity.Cli.Commands.Market.MarketOptions.ParseRequestId(id);

        string jobId;
        using (var first = StartNode("first", agentTypes: "execute"))
        {
            var node = await first.ListeningAsync(HangGuard, CancellationToken.None).WaitAsync(HangGuard);
            var proving = await WaitForStateAsync(node, id, o => o.GetProperty("state").GetString() == "proving").WaitAsync(HangGuard);
            jobId = proving.GetProperty("proving_job_id").GetString()!;
            Assert.Equal(RequestStatus.Locked, await market.Market.RequestStatusAsync(requestId));
            first.KillHard();
        }

        using var second = StartNode("second", agentTypes: "all");
        var restarted = await second.ListeningAsync(HangGuard, CancellationToken.None).WaitAsync(HangGuard);
        var fulfilled = await WaitForStateAsync(restarted, id, o => o.GetProperty("state").GetString() is "fulfilled" or "failed").WaitAsync(HangGuard);
        Assert.Equal("fulfilled", fulfilled.GetProperty("state").GetString());
        // The job the killed process created was polled, not created again; it counted one attempt.
        Assert.Equal(jobId, fulfilled.GetProperty("proving_job_id").GetString());
        Assert.Equal(1, fulfilled.GetProperty("proving_attempts").GetInt32());

        var from = BlockParameter.CreateEarliest();
        var locks = await market.Market.LockedLogsAsync(requestId, from);
        Assert.Equal(market.Address("prover"), Assert.Single(locks).Event.Prover, ignoreCase: true);
        var fills = await market.Market.FulfilledLogsAsync(requestId, from);
        Assert.Equal(market.Address("prover"), Assert.Single(fills).Event.Prover, ignoreCase: true);
        second.KillHard();
    }
}
