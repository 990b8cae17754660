using Verity.Cluster.Client;
using Verity.Cluster.EndToEnd.Tests.Infrastructure;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.Store;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Scenarios;

/// <summary>
/// Scenario 6: requests the API refuses, against the real store — and after each, the store's counts and the blob
/// store's keys are what they were: a refused request stores nothing.
/// </summary>
public abstract class BadInputTests(ITestOutputHelper output) : ClusterScenario(output)
{
    [Fact]
    public async Task Refused_requests_get_their_status_code_and_store_nothing()
    {
        var broker = NodeSettings.Broker(TimeSpan.FromSeconds(30)) with { MaxInputBytes = 1024 };
        var node = await StartNodeAsync(agents: 0, broker);
        var client = node.Client;
        // One job already there (no agents: it stays queued), so "unchanged" is checked against a store that holds something.
        string jobId = await SubmitAsync(client, TestGuests.Sha256Elf, "abc"u8.ToArray(), po2: 14);
        var status = await client.GetStatusAsync(jobId);
        var baseline = await SnapshotAsync(node);
        Assert.Contains("jobs running=1", baseline);
        Assert.Contains("tasks execute/ready=1", baseline);

        async Task Refused(int expected, string message, Func<NodeClient, Task> request, NodeClient? with = null)
        {
            var e = await Assert.ThrowsAsync<NodeClientException>(() => request(with ?? client));
            Assert.True(e.StatusCode == expected, $"expected {expected}, got {e.StatusCode}: {e.Message}");
            Assert.Contains(message, e.Message);
            Assert.Equal(baseline, await SnapshotAsync(node));
        }

        await Refused(404, "no job", c => c.GetStatusAsync(TaskIds.NewJobId()));
        await Refused(404, "no job", c => c.GetReceiptAsync(TaskIds.NewJobId()));
        await Refused(400, "malformed ELF", c => c.UploadImageAsync("\u007fELF but not really an executable"u8.ToArray()));
        await Refused(413, "the limit is 1024", c => c.UploadInputAsync(new byte[1025]));
        await Refused(404, "not uploaded", c => c.CreateJobAsync(new CreateJobRequest { ImageId = status.ImageId, InputId = new string('0', 64), SegmentPo2 = 14 }));
        await Refused(400, "segmentPo2", c => c.CreateJobAsync(new CreateJobRequest { ImageId = status.ImageId, InputId = status.InputId, SegmentPo2 = 99 }));

        // A wrong key is refused before anything is read, on requests that would otherwise store something.
        using var stranger = new NodeClient(node.Url, "not-the-api-key-0123456789");
        await Refused(401, "API key", c => c.UploadInputAsync("a new input"u8.ToArray()), stranger);
        await Refused(401, "API key", c => c.UploadImageAsync(TestGuests.Sha256Elf), stranger);
        await Refused(401, "API key", c => c.CreateJobAsync(new CreateJobRequest { ImageId = status.ImageId, InputId = status.InputId, SegmentPo2 = 14 }), stranger);
        await Refused(401, "API key", c => c.CancelAsync(jobId), stranger);
        Assert.Equal(JobState.Running, (await client.GetStatusAsync(jobId)).State);
    }

    /// <summary>Jobs and tasks by state (from the store) and every blob key with its size, as comparable text.</summary>
    private static async Task<string> SnapshotAsync(InProcessNode node)
    {
        var stats = await node.Store.StatsAsync();
        var lines = new List<string>();
        lines.AddRange(stats.JobsByState.Where(p => p.Value != 0).Select(p => $"jobs {p.Key.Name()}={p.Value}"));
        lines.AddRange(stats.TasksByState.Where(p => p.Value != 0).Select(p => $"tasks {p.Key.Item1.Name()}/{p.Key.Item2.Name()}={p.Value}"));
        foreach (var key in await node.BlobKeysAsync())
            lines.Add($"blob {key} ({(await node.Blobs.GetAsync(key))?.Length} bytes)");
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}

public sealed class SqliteBadInputTests(ITestOutputHelper output) : BadInputTests(output)
{
    protected override Task<StoreTarget> CreateStoreAsync() => Task.FromResult<StoreTarget>(new SqliteStoreTarget(DataDir));
}

public sealed class PostgresBadInputTests(PostgresDatabaseFixture db, ITestOutputHelper output) : BadInputTests(output), IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StoreTarget> CreateStoreAsync() => new PostgresStoreTarget(await db.NewSchemaAsync());
}
