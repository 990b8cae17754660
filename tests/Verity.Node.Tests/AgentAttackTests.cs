using System.Net;
using System.Text.Json;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Node.Tests;

/// <summary>
/// Attacks from the security review of issue 11 (items 6, 7, 8, 10): each test performs an attack as an agent-credential holder and asserts
/// the node refuses it. A failing test here is an attack that succeeded.
/// </summary>
[Collection(SerialCollection.Name)] // one test measures the process's heap, which other tests would add to
public sealed class AgentAttackTests
{
    private static async Task<AgentCreated> AddAgentAsync(TestNode node, string name)
    {
        using var response = await node.SendAsync(HttpMethod.Post, AgentAdminApi.Path, TestNode.Json($"{{\"name\":\"{name}\"}}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await TestNode.ReadAsync<AgentCreated>(response);
    }

    private static string Rpc(string method, object parameters, int id = 1) =>
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params = parameters }, ClusterJson.Options);

    private static async Task<JsonElement> CallAsync(TestNode node, string token, string method, object parameters)
    {
        var (status, body) = await node.RpcAsync(Rpc(method, parameters), token);
        Assert.True(status == 200, $"{method}: HTTP {status} {body}");
        return body.GetProperty("result");
    }

    private static async Task<ClaimedTask> ClaimAsync(TestNode node, string token, string agentId, string type)
    {
        var claimed = await CallAsync(node, token, AgentRpc.GetTask, new { agentId, types = new[] { type } });
        Assert.Equal(JsonValueKind.Object, claimed.ValueKind);
        return claimed.Deserialize<ClaimedTask>(ClusterJson.Options)!;
    }

    /// <summary>
    /// Searches for another agent's lease of the job of <paramref name="mine"/>: other prove indexes 0..2, the next two
    /// lease ids, startedMs up to 1.5 s after mine; heartbeats (batches of 64, types ["finalize"] so a miss claims
    /// nothing) answer held for the right one.
    /// </summary>
    private static async Task<(TaskLease? Found, int Guesses)> FindLeaseAsync(TestNode node, string token, string agentId, ClaimedTask mine)
    {
        TaskLease? found = null;
        int guesses = 0;
        var candidates = new List<TaskLease>();
        for (int index = 0; index <= 2; index++)
        {
            if (index == mine.Index) continue;
            string taskId = TaskIds.TaskId(mine.JobId, TaskType.Prove, index);
            for (long leaseId = mine.Lease.LeaseId + 1; leaseId <= mine.Lease.LeaseId + 2; leaseId++)
                for (long ms = mine.Lease.StartedMs; ms <= mine.Lease.StartedMs + 1500; ms++)
                    candidates.Add(new TaskLease(taskId, leaseId, ms));
        }
        for (int i = 0; i < candidates.Count && found == null; i += 64)
        {
            var batch = candidates.Skip(i).Take(64).ToList();
            string json = "[" + string.Join(",", batch.Select((l, k) =>
                Rpc(AgentRpc.Heartbeat, new { agentId, lease = l, types = new[] { "finalize" } }, k))) + "]";
            var (status, body) = await node.RpcAsync(json, token);
            Assert.Equal(200, status);
            guesses += batch.Count;
            int k2 = 0;
            foreach (var answer in body.EnumerateArray())
            {
                if (answer.TryGetProperty("result", out var r) && r.GetProperty("status").GetString() == "held")
                {
                    found = batch[k2];
                    break;
                }
                k2++;
            }
        }
        return (found, guesses);
    }

    /// <summary>
    /// ATTACK 1. Per-agent token 'bob' completes the execute task that 'alice' holds, using alice's lease (which the node
    /// does not tie to its holder on RPC) and an invented output: the execute-only job succeeds with bob's journal.
    /// </summary>
    [Fact]
    public async Task Per_agent_token_cannot_complete_a_task_held_by_another_agent()
    {
        await using var node = await TestNode.StartAsync();
        var alice = await AddAgentAsync(node, "alice");
        var bob = await AddAgentAsync(node, "bob");
        string jobId = await node.CreateJobAsync(executeOnly: true);
        var task = await ClaimAsync(node, alice.Token, "alice/0", "execute");

        var invented = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 1000, Segments = 1, JournalHex = "deadbeef", InputConsumed = 3 });
        var (status, body) = await node.RpcAsync(Rpc(AgentRpc.ReportSuccess,
            new { agentId = "bob/0", lease = task.Lease, output = invented, types = new[] { "finalize" } }), bob.Token);

        var job = await node.StatusAsync(jobId);
        Assert.True(job.State == JobState.Running && job.JournalHex != "deadbeef",
            $"bob completed alice's task: HTTP {status} {body}; job {job.State.Name()}, journal {job.JournalHex}");
    }

    /// <summary>
    /// ATTACK 1b. The shared token binds no agent id, so checking the reporter's agent id against the lease's holder
    /// (the broker's IsIssuedToAsync) does not stop a shared-token holder who sends the holder's id: agent ids are not secret
    /// (embedded agents are "&lt;node&gt;/embedded/&lt;i&gt;"). The attacker, holding one prove task of the job, finds the
    /// embedded agent's prove lease by guessing (as in attack 2, under the victim's agent id) and fails the job.
    /// </summary>
    [Fact]
    public async Task Shared_token_cannot_find_and_fail_another_agents_lease_by_sending_its_agent_id()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        const string victim = "node-a/embedded/0";
        var execute = await node.ClaimAsync("execute", victim);
        var output = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 1500, Segments = 2, JournalHex = "beef", InputConsumed = 3 });
        await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = victim, lease = execute.Lease, output, types = new[] { "finalize" } });
        var mine = await node.ClaimAsync("prove", "attacker/0");
        await node.ClaimAsync("prove", victim);

        var (found, guesses) = await FindLeaseAsync(node, TestNode.AgentToken, victim, mine);
        if (found != null)
            await node.CallAsync(AgentRpc.ReportError, new { agentId = victim, lease = found, error = "sabotage", retry = false, wantNext = false, types = new[] { "finalize" } });
        var job = await node.StatusAsync(jobId);
        Assert.True(found == null && job.State == JobState.Running,
            $"a shared-token holder found {victim}'s lease after {guesses} guesses and failed it: job {job.State.Name()} ({job.Error})");
    }

    /// <summary>
    /// ATTACK 2. Per-agent token 'bob', knowing only the job id (from its own prove task of the job), finds the lease of
    /// the prove task 'alice' holds by guessing: lease ids are sequential and startedMs is the claim time, and a heartbeat
    /// answers held/lost (an oracle; with types ["finalize"] a wrong guess claims nothing). Then bob fails alice's task
    /// with retry=false, failing the job.
    /// </summary>
    [Fact]
    public async Task Per_agent_token_cannot_find_and_fail_another_agents_lease_by_guessing()
    {
        await using var node = await TestNode.StartAsync();
        var alice = await AddAgentAsync(node, "alice");
        var bob = await AddAgentAsync(node, "bob");
        string jobId = await node.CreateJobAsync();
        var execute = await ClaimAsync(node, alice.Token, "alice/0", "execute");
        // 1500 cycles at po2 10: two segments, so prove 0, 1 and 2 (memory).
        var output = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 1500, Segments = 2, JournalHex = "beef", InputConsumed = 3 });
        await CallAsync(node, alice.Token, AgentRpc.ReportSuccess, new { agentId = "alice/0", lease = execute.Lease, output, types = new[] { "finalize" } });

        var mine = await ClaimAsync(node, bob.Token, "bob/0", "prove");
        var hers = await ClaimAsync(node, alice.Token, "alice/0", "prove");

        // Bob's search uses only what bob has: his own lease and the job id.
        var (found, guesses) = await FindLeaseAsync(node, bob.Token, "bob/0", mine);
        if (found != null)
        {
            await CallAsync(node, bob.Token, AgentRpc.ReportError,
                new { agentId = "bob/0", lease = found, error = "sabotage", retry = false, wantNext = false, types = new[] { "finalize" } });
        }
        var job = await node.StatusAsync(jobId);
        Assert.True(found == null && job.State == JobState.Running,
            $"bob found alice's lease {found?.TaskId}/{found?.LeaseId}/{found?.StartedMs} (hers: {hers.Lease.LeaseId}/{hers.Lease.StartedMs}) " +
            $"after {guesses} heartbeat guesses and failed it: job {job.State.Name()} ({job.Error})");
    }

    /// <summary>
    /// ATTACK 3. With the shared token, the blob proxy checks only the lease id (not startedMs): an agent that holds
    /// prove 0 guesses the next lease id (sequential) and overwrites the proof of prove 1, held by another agent.
    /// </summary>
    [Fact]
    public async Task Shared_token_cannot_write_another_agents_output_by_guessing_the_lease_id()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute", "victim/0");
        var output = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 500, Segments = 1, JournalHex = "beef", InputConsumed = 3 });
        await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "victim/0", lease = execute.Lease, output, types = new[] { "finalize" } });
        var mine = await node.ClaimAsync("prove", "attacker/0");
        var hers = await node.ClaimAsync("prove", "victim/0");
        using (var good = await node.BlobAsync(HttpMethod.Put, BlobKeys.Proof(jobId, hers.Index), [1, 2, 3], lease: hers.Lease))
            Assert.Equal(HttpStatusCode.NoContent, good.StatusCode);

        HttpStatusCode last = 0;
        for (long guess = mine.Lease.LeaseId + 1; guess <= mine.Lease.LeaseId + 3; guess++)
        {
            var forged = new TaskLease(hers.TaskId, guess, 0);
            using var put = await node.BlobAsync(HttpMethod.Put, BlobKeys.Proof(jobId, hers.Index), [6, 6, 6], lease: forged);
            last = put.StatusCode;
            if (put.StatusCode == HttpStatusCode.NoContent) break;
        }
        var stored = await node.Blobs.GetAsync(BlobKeys.Proof(jobId, hers.Index));
        Assert.True(stored is [1, 2, 3], $"the attacker overwrote the victim's proof (last PUT {(int)last}); now {Convert.ToHexString(stored ?? [])}");
    }

    /// <summary>
    /// ATTACK 4. A PUT is authorized only when it starts: a slow upload begun under a valid lease (idle timeout only, no
    /// total time) finishes after the token was revoked, the job was cancelled and its blobs were reaped, leaving a blob
    /// for a job whose blobs cleanup has already deleted (never removed again).
    /// </summary>
    [Fact]
    public async Task An_upload_cannot_outlive_its_lease_token_and_job()
    {
        await using var node = await TestNode.StartAsync();
        var agent = await AddAgentAsync(node, "slow");
        string jobId = await node.CreateJobAsync();
        var task = await ClaimAsync(node, agent.Token, "slow/0", "execute");

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var content = new StalledContent(new byte[1000], release.Task);
        var upload = node.BlobAsync(HttpMethod.Put, BlobKeys.Run(jobId), content, agent.Token, task.Lease);

        // Wait until the node has authorized the PUT and is writing its temporary file.
        string dir = Path.GetDirectoryName(node.Blobs.PathOf(BlobKeys.Run(jobId)))!;
        var startBy = DateTime.UtcNow.AddSeconds(60); // a hang guard only
        while (!(Directory.Exists(dir) && Directory.EnumerateFiles(dir, "run.tmp-*").Any()) && DateTime.UtcNow < startBy) await Task.Delay(25);
        Assert.True(Directory.EnumerateFiles(dir, "run.tmp-*").Any(), "the upload did not start");

        using (var revoke = await node.SendAsync(HttpMethod.Delete, $"{AgentAdminApi.Path}/slow")) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using (var cancel = await node.SendAsync(HttpMethod.Post, $"/v1/jobs/{jobId}/cancel"))
            Assert.True(cancel.IsSuccessStatusCode, $"cancel: {(int)cancel.StatusCode}");
        var lifecycle = new JobLifecycle(node.Store, node.Blobs, node.Node.Options.Broker);
        await lifecycle.RunOnceAsync();
        Assert.NotNull((await node.Store.GetJobAsync(jobId))!.BlobsDeletedAt);

        release.SetResult();
        using var response = await upload;
        bool stored = await node.Blobs.ExistsAsync(BlobKeys.Run(jobId));
        Assert.False(stored, $"the upload finished ({(int)response.StatusCode}) after revocation, cancel and reaping: '{BlobKeys.Run(jobId)}' is stored for a reaped job");
    }

    /// <summary>
    /// ATTACK 5. Any agent token: the RPC endpoint reads its body with <c>RequestBody.ReadAsync</c>, which allocates the
    /// declared Content-Length (up to 64 MiB) before a byte arrives, with no idle timeout of its own (Kestrel's minimum
    /// data rate only needs 240 B/s after 5 s). Eight stalled requests declaring 64 MiB each pin 512 MiB of heap.
    /// </summary>
    [Fact]
    public async Task Stalled_rpc_requests_do_not_pin_their_declared_length_in_memory()
    {
        await using var node = await TestNode.StartAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var clients = new List<System.Net.Sockets.TcpClient>();
        try
        {
            var uri = node.Node.BaseAddress;
            for (int i = 0; i < 8; i++)
            {
                var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync(uri.Host, uri.Port);
                string head = $"POST {AgentRpc.Path} HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {TestNode.AgentToken}\r\n" +
                              $"Content-Type: application/json\r\nContent-Length: {64L << 20}\r\n\r\n[";
                await tcp.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
                clients.Add(tcp);
            }
            await Task.Delay(1500);
            long during = GC.GetTotalMemory(forceFullCollection: true);
            long grew = during - before;
            Assert.True(grew < 64L << 20, $"8 stalled RPC requests (1 byte sent each) hold {grew >> 20} MiB of the node's heap");
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    /// <summary>
    /// ATTACK 6. The per-kind size limit applies per request, not per blob or lease: one execute lease runs 16 parallel
    /// PUTs of its run, each within the 1 MiB limit, and the node writes 16 temporary files at once (16x the limit on
    /// disk; with the defaults, 2 GB per request and no cap on requests).
    /// </summary>
    [Fact]
    public async Task One_lease_cannot_use_many_times_its_blob_limit_of_disk()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var task = await node.ClaimAsync("execute", "disk/0");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var uploads = new List<Task<HttpResponseMessage>>();
        for (int i = 0; i < 16; i++)
            uploads.Add(node.BlobAsync(HttpMethod.Put, BlobKeys.Run(jobId), new StalledContent(new byte[1 << 20], release.Task, first: (1 << 20) - 1024), lease: task.Lease));
        string dir = Path.GetDirectoryName(node.Blobs.PathOf(BlobKeys.Run(jobId)))!;
        long onDisk = 0;
        for (int i = 0; i < 200; i++)
        {
            await Task.Delay(25);
            if (!Directory.Exists(dir)) continue;
            onDisk = Directory.EnumerateFiles(dir, "run.tmp-*").Sum(f => { try { return new FileInfo(f).Length; } catch (IOException) { return 0L; } });
            if (onDisk >= 16L * ((1 << 20) - 1024)) break;
        }
        release.SetResult();
        foreach (var u in uploads)
        {
            // A refused upload (429: one at a time per key) is answered before its body is read, so the node may
            // reset the connection while the client still sends: either way it was not stored.
            try { (await u).Dispose(); }
            catch (HttpRequestException) { }
        }
        Assert.True(onDisk <= 2L << 20, $"one lease had {onDisk >> 10} KiB of uploads on disk at once; the run limit is {1 << 10} KiB");
    }

    /// <summary>Attacks that the node refused when tried (kept as regression tests).</summary>
    [Fact]
    public async Task Refused_attacks()
    {
        await using var node = await TestNode.StartAsync();
        var bob = await AddAgentAsync(node, "bob");
        string jobA = await node.CreateJobAsync(input: "secret-a"u8.ToArray());
        string jobB = await node.CreateJobAsync(input: "secret-b"u8.ToArray());
        var first = await ClaimAsync(node, TestNode.AgentToken, "x/0", "execute");
        var second = await ClaimAsync(node, TestNode.AgentToken, "x/0", "execute");
        var (a, b) = first.JobId == jobA ? (first, second) : (second, first);

        // Anonymous RPC and blob access: 401.
        Assert.Equal(401, (await node.RpcAsync(Rpc(AgentRpc.GetTask, new { agentId = "x/0" }), token: null)).Status);
        using (var anon = await node.BlobAsync(HttpMethod.Get, BlobKeys.Input(a.Spec.InputId), token: null, lease: a.Lease))
            Assert.Equal(HttpStatusCode.Unauthorized, anon.StatusCode);
        // Read job B's private input with job A's lease: 403.
        using (var other = await node.BlobAsync(HttpMethod.Get, BlobKeys.Input(b.Spec.InputId), lease: a.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        // Write job B's run with job A's lease, and a blob for a job that does not exist: 403.
        using (var wrong = await node.BlobAsync(HttpMethod.Put, BlobKeys.Run(jobB), [1], lease: a.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        string ghost = TaskIds.NewJobId();
        using (var none = await node.BlobAsync(HttpMethod.Put, BlobKeys.Run(ghost), [1],
                   lease: new TaskLease(TaskIds.TaskId(ghost, TaskType.Execute, 0), a.Lease.LeaseId, 0)))
            Assert.Equal(HttpStatusCode.Forbidden, none.StatusCode);
        // Delete: 403.
        using (var del = await node.BlobAsync(HttpMethod.Delete, BlobKeys.Run(jobA), (byte[]?)null, lease: a.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, del.StatusCode);
        // Per-agent bob using another agent's lease on the blob proxy: 403.
        using (var stolen = await node.BlobAsync(HttpMethod.Get, BlobKeys.Input(a.Spec.InputId), token: bob.Token, lease: a.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, stolen.StatusCode);
        // Declared oversize upload: 413 before reading.
        using (var big = await node.BlobAsync(HttpMethod.Put, BlobKeys.Run(jobA), new byte[(1 << 20) + 1], lease: a.Lease))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        // Made-up lease and forged 1970 heartbeat: ignored / lost; the real holder keeps its lease.
        var forged = new TaskLease(a.TaskId, a.Lease.LeaseId, 1);
        var beat = await CallAsync(node, TestNode.AgentToken, AgentRpc.Heartbeat, new { agentId = "x/1", lease = forged, types = new[] { "finalize" } });
        Assert.Equal("lost", beat.GetProperty("status").GetString());
        var invented = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 1, Segments = 1, JournalHex = "00" });
        await CallAsync(node, TestNode.AgentToken, AgentRpc.ReportSuccess,
            new { agentId = "x/1", lease = new TaskLease(a.TaskId, 999, a.Lease.StartedMs), output = invented, types = new[] { "finalize" } });
        Assert.Equal(JobState.Running, (await node.StatusAsync(jobA)).State);
        var real = await CallAsync(node, TestNode.AgentToken, AgentRpc.Heartbeat, new { agentId = "x/0", lease = a.Lease, types = new[] { "finalize" } });
        Assert.Equal("held", real.GetProperty("status").GetString());
        // Non-hex journal from the real holder: not accepted as the job's journal.
        var bad = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 500, Segments = 1, JournalHex = "zz", InputConsumed = 3 });
        await CallAsync(node, TestNode.AgentToken, AgentRpc.ReportSuccess, new { agentId = "x/0", lease = a.Lease, output = bad, types = new[] { "finalize" } });
        Assert.NotEqual("zz", (await node.StatusAsync(jobA)).JournalHex);
        // A lease handed back (error, retry) cannot take the task back by heartbeat, nor write its output.
        await node.CreateJobAsync(input: "secret-c"u8.ToArray());
        var c = await ClaimAsync(node, TestNode.AgentToken, "x/0", "execute");
        await CallAsync(node, TestNode.AgentToken, AgentRpc.ReportError, new { agentId = "x/0", lease = c.Lease, error = "give back", retry = true, wantNext = false, types = new[] { "finalize" } });
        var back = await CallAsync(node, TestNode.AgentToken, AgentRpc.Heartbeat, new { agentId = "x/0", lease = c.Lease, types = new[] { "finalize" } });
        Assert.Equal("lost", back.GetProperty("status").GetString());
        using (var late = await node.BlobAsync(HttpMethod.Put, BlobKeys.Run(c.JobId), [1], lease: c.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
    }

    /// <summary>Sends a first chunk, then waits for <paramref name="release"/> before the rest.</summary>
    private sealed class StalledContent(byte[] data, Task release, int first = 10) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(data.AsMemory(0, first));
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync(data.AsMemory(first));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = data.Length;
            return true;
        }
    }
}
