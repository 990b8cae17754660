using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Node.Hosting;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>
/// The node under store faults and a full disk (issue 11, items 1 and 12): embedded agents survive and are supervised,
/// /health says 503 with the reason while the node cannot make progress and 200 once it can, a full disk answers 507
/// without server paths. Waits are poll-until with a 60 s hang guard; nothing depends on how long anything takes.
/// </summary>
public sealed class NodeResilienceTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_write_lock_held_past_the_busy_timeout_makes_health_503_and_the_agent_finishes_the_jobs_after()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runner = new ScriptedTaskRunner { ProveGate = gate };
        await using var node = await TestNode.StartAsync(o => o with { Agents = 1, SqliteBusyTimeout = TimeSpan.FromSeconds(1) }, runner);
        string[] jobs = [await node.CreateJobAsync(), await node.CreateJobAsync(), await node.CreateJobAsync()];
        await runner.ProveStarted.Task.WaitAsync(Guard);
        string imageId = await node.UploadImageAsync(), inputId = await node.UploadInputAsync();

        // Another process takes node.db's write lock and keeps it past the busy timeout.
        await using (var locker = new SqliteConnection($"Data Source={node.Node.Options.SqlitePath};Pooling=False"))
        {
            await locker.OpenAsync();
            using var tx = locker.BeginTransaction(deferred: false); // BEGIN IMMEDIATE
            gate.SetResult(); // the agent's next heartbeat and report meet the lock

            var (status, body) = await UntilHealthAsync(node, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unavailable", body.GetProperty("status").GetString());
            Assert.Contains(HealthProblem.Store, Problems(body));
            Assert.Contains("database is locked", body.GetProperty("error").GetString());
            Assert.DoesNotContain(node.DataDir, body.GetRawText());
            // A client's job meets the lock too: 503, to be retried, naming no path.
            using (var refused = await node.SendAsync(HttpMethod.Post, "/v1/jobs",
                TestNode.Json(ClusterJson.Serialize(new CreateJobRequest { ImageId = imageId, InputId = inputId, SegmentPo2 = 10 }))))
            {
                string text = await refused.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Contains("the task store is unavailable", text);
                Assert.DoesNotContain(node.DataDir, text);
            }
            // The embedded agent met the lock too (before, this ended its worker for good).
            await UntilAsync(() => node.Log.Any(l => l.Contains("/embedded/0:", StringComparison.Ordinal) && l.Contains("database is locked", StringComparison.Ordinal)),
                "the embedded agent to log the locked database");
            tx.Rollback();
        }

        foreach (string jobId in jobs)
            Assert.Equal(JobState.Succeeded, (await UntilJobAsync(node, jobId, s => s.State != JobState.Running)).State);
        await UntilHealthAsync(node, HttpStatusCode.OK);
        var metrics = await MetricsAsync(node);
        Assert.Equal(1, metrics["verity_node_healthy"]);
        Assert.Equal(1, metrics["verity_node_embedded_agents_live"]);
        Assert.Equal(0, metrics["verity_node_embedded_agent_restarts_total"]);
        Assert.Equal(1, metrics["verity_agents_live"]);
    }

    [Fact]
    public async Task An_embedded_worker_that_ends_unexpectedly_is_restarted_and_counted()
    {
        int runners = 0;
        var runner = new ScriptedTaskRunner();
        await using var node = await TestNode.StartAsync(o => o with { Agents = 1 }, components: c => c with
        {
            CreateRunner = _ => Interlocked.Increment(ref runners) == 1 ? throw new InvalidOperationException("the prover could not start") : runner,
        });
        string jobId = await node.CreateJobAsync();

        Assert.Equal(JobState.Succeeded, (await UntilJobAsync(node, jobId, s => s.State != JobState.Running)).State);
        var metrics = await MetricsAsync(node);
        Assert.Equal(1, metrics["verity_node_embedded_agent_restarts_total"]);
        Assert.Equal(1, metrics["verity_node_embedded_agents_live"]);
        Assert.Contains(node.Log, l => l.Contains("ended unexpectedly (the prover could not start)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_is_503_while_embedded_agents_are_configured_but_none_runs()
    {
        await using var node = await TestNode.StartAsync(o => o with { Agents = 2 }, components: c => c with
        {
            CreateRunner = _ => throw new InvalidOperationException("no prover on this machine"),
        });

        var (_, body) = await UntilHealthAsync(node, HttpStatusCode.ServiceUnavailable);
        Assert.Equal([HealthProblem.Agents], Problems(body));
        Assert.Contains("none of the 2 embedded agent worker(s) is running", body.GetProperty("error").GetString());
        await UntilAsync(async () =>
        {
            var m = await MetricsAsync(node);
            return m["verity_node_healthy"] == 0 && m["verity_node_health_problem{problem=\"agents\"}"] == 1 && m["verity_agents_live"] == 0;
        }, "the metrics to show no live agent");
    }

    [Fact]
    public async Task A_full_disk_answers_507_naming_no_path_and_health_recovers_once_space_is_back()
    {
        FullDiskBlobStore? blobs = null;
        await using var node = await TestNode.StartAsync(components: c => c with { CreateBlobs = o => blobs = new FullDiskBlobStore(NodeComponents.FileBlobs(o)) });
        string jobId = await node.CreateJobAsync();
        var task = await node.CallAsync(AgentRpc.GetTask, new { agentId = "remote/0", types = new[] { "execute" } });
        Assert.Equal(JsonValueKind.Object, task.ValueKind);
        blobs!.Full = true;

        using (var upload = await node.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes("more input"u8.ToArray())))
            await AssertStorageFullAsync(upload, node);
        var lease = task.Deserialize<ClaimedTask>(ClusterJson.Options)!.Lease;
        using (var proxied = await node.BlobAsync(HttpMethod.Put, BlobKeys.Run(jobId), [1, 2, 3], lease: lease))
            await AssertStorageFullAsync(proxied, node);

        var (_, body) = await UntilHealthAsync(node, HttpStatusCode.ServiceUnavailable);
        Assert.Equal([HealthProblem.DiskFull], Problems(body));
        Assert.Equal(StorageFaults.DiskFullMessage, body.GetProperty("error").GetString());
        var metrics = await MetricsAsync(node);
        Assert.Equal(0, metrics["verity_node_healthy"]);
        Assert.Equal(1, metrics["verity_node_health_problem{problem=\"disk_full\"}"]);

        blobs.Full = false; // space is back: the node notices by itself
        await UntilHealthAsync(node, HttpStatusCode.OK);
        using var again = await node.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes("more input"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    [Fact]
    public async Task An_embedded_agent_waits_out_a_full_disk_and_finishes_the_job_without_spending_attempts()
    {
        FullDiskBlobStore? blobs = null;
        await using var node = await TestNode.StartAsync(o => o with { Agents = 1 }, new ScriptedTaskRunner(),
            c => c with { CreateBlobs = o => blobs = new FullDiskBlobStore(NodeComponents.FileBlobs(o)) });
        string imageId = await node.UploadImageAsync();
        string inputId = await node.UploadInputAsync();
        blobs!.Full = true;
        using var created = await node.SendAsync(HttpMethod.Post, "/v1/jobs",
            TestNode.Json(ClusterJson.Serialize(new CreateJobRequest { ImageId = imageId, InputId = inputId, SegmentPo2 = 10 })));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string jobId = (await TestNode.ReadAsync<JobCreated>(created)).JobId;

        // The prove task cannot store its proof; the agent keeps the lease and runs it again.
        await UntilAsync(() => blobs.Refused.Count(k => k.StartsWith("jobs/", StringComparison.Ordinal)) >= 2, "the agent to try storing its proof twice");
        var (_, body) = await UntilHealthAsync(node, HttpStatusCode.ServiceUnavailable);
        Assert.Contains(HealthProblem.DiskFull, Problems(body));
        Assert.Equal(JobState.Running, (await node.StatusAsync(jobId)).State);

        blobs.Full = false;
        Assert.Equal(JobState.Succeeded, (await UntilJobAsync(node, jobId, s => s.State != JobState.Running)).State);
        await UntilHealthAsync(node, HttpStatusCode.OK);
        var metrics = await MetricsAsync(node);
        Assert.Equal(0, metrics["verity_task_retries_total{type=\"prove\"}"]);
        Assert.Equal(0, metrics["verity_node_embedded_agent_tasks_total{outcome=\"failed\"}"]);
        Assert.DoesNotContain(node.Log, l => l.Contains("/dev/full", StringComparison.Ordinal) && l.Contains("/embedded/0:", StringComparison.Ordinal));
    }

    private static async Task AssertStorageFullAsync(HttpResponseMessage response, TestNode node)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.Equal(StorageFaults.DiskFullMessage, ClusterJson.Deserialize<ApiError>(text).Error);
        Assert.DoesNotContain("/dev/full", text);
        Assert.DoesNotContain(node.DataDir, text);
    }

    // ---- polling helpers: each waits for an outcome, with a hang guard only ----

    internal static async Task UntilAsync(Func<bool> condition, string what) => await UntilAsync(() => Task.FromResult(condition()), what);

    internal static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {Guard.TotalSeconds:0} s for {what}");
            await Task.Delay(50);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> UntilHealthAsync(TestNode node, HttpStatusCode wanted)
    {
        (HttpStatusCode, JsonElement) last = default;
        await UntilAsync(async () =>
        {
            using var response = await node.Client.GetAsync("/health");
            last = (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
            return response.StatusCode == wanted;
        }, $"/health to answer {(int)wanted}");
        return last;
    }

    internal static async Task<JobStatusView> UntilJobAsync(TestNode node, string jobId, Func<JobStatusView, bool> done)
    {
        JobStatusView? status = null;
        await UntilAsync(async () => done(status = await node.StatusAsync(jobId)), $"job {jobId}");
        return status!;
    }

    private static List<string> Problems(JsonElement health) =>
        [.. health.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)];

    internal static async Task<Dictionary<string, double>> MetricsAsync(TestNode node)
    {
        using var response = await node.Client.GetAsync("/metrics");
        var samples = new Dictionary<string, double>();
        foreach (string line in (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#')) continue;
            int space = line.LastIndexOf(' ');
            samples[PrometheusSamples.Key(line[..space])] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return samples;
    }
}
