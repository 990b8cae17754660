using System.Collections.Concurrent;
using Verity.Aztec.Tests.Infrastructure;
using Verity.Cluster.Tests.Store;

namespace Verity.Aztec.Tests.Protocol;

/// <summary>
/// Two node replicas serving one PostgreSQL database: agents pulling through either get every job exactly once,
/// results reported through one are seen through the other, and each completion is notified once in all.
/// </summary>
public sealed class ReplicaTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Agents_pulling_through_two_replicas_get_each_job_exactly_once()
    {
        string schema = await database.NewSchemaAsync();
        await using var a = await AztecTestNode.StartAsync(schema);
        await using var b = await AztecTestNode.StartAsync(schema);
        const int jobs = 60;
        for (int i = 0; i < jobs; i++) await (i % 2 == 0 ? a : b).Rpc.EnqueueAsync(AztecRpc.Job($"1:PARITY_BASE:{i:D3}", 16, 1));

        var handedOut = new ConcurrentBag<string>();
        var agents = Enumerable.Range(0, 8).Select(k => Task.Run(async () =>
        {
            var rpc = (k % 2 == 0 ? a : b).Rpc;
            var offer = await rpc.TakeAsync();
            while (offer is { } o)
            {
                handedOut.Add(o.Id);
                // Report through the other replica: the state is in the database, not in either process.
                var other = (k % 2 == 0 ? b : a).Rpc;
                offer = AztecRpc.Offer(await other.CallAsync("reportProvingJobSuccess", o.Id, $"data:proof-{o.Id}"));
            }
        })).ToArray();
        await Task.WhenAll(agents);

        Assert.Equal(jobs, handedOut.Count);
        Assert.Equal(jobs, handedOut.Distinct().Count());
        var notified = (await a.Rpc.CompletedAsync()).Concat(await b.Rpc.CompletedAsync()).ToList();
        Assert.Equal(jobs, notified.Count);
        Assert.Equal(jobs, notified.Distinct().Count());
        Assert.Equal("data:proof-1:PARITY_BASE:007", (string)(await b.Rpc.StatusAsync("1:PARITY_BASE:007"))["value"]!);
    }

    [Fact]
    public async Task The_same_job_enqueued_through_both_replicas_at_once_is_stored_once()
    {
        string schema = await database.NewSchemaAsync();
        await using var a = await AztecTestNode.StartAsync(schema);
        await using var b = await AztecTestNode.StartAsync(schema);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            (i % 2 == 0 ? a : b).Rpc.EnqueueAsync(AztecRpc.Job("1:ROOT_ROLLUP:x", 15, 1))));
        Assert.Single(results, r => r == "not-found");
        Assert.All(results.Where(r => r != "not-found"), r => Assert.Equal("in-queue", r));
        Assert.NotNull(await a.Rpc.TakeAsync());
        Assert.Null(await b.Rpc.TakeAsync());
    }
}
