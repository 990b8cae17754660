using System.Net;
using System.Text.Json;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>
/// The agents' blob proxy: token, key validation, the per-task scope of every request (the lease it names must be the
/// task's current one, and the key one the task reads or writes), streamed bodies with size caps, digests.
/// </summary>
public sealed class BlobProxyTests
{
    [Fact]
    public async Task A_task_writes_its_output_and_reads_it_back_with_its_digest()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute");
        string key = BlobKeys.Run(jobId);
        byte[] data = [9, 8, 7];
        using (var put = await node.BlobAsync(HttpMethod.Put, key, data, lease: execute.Lease)) Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        Assert.Equal(data, await node.Blobs.GetAsync(key));

        using (var get = await node.BlobAsync(HttpMethod.Get, key, lease: execute.Lease))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
            Assert.Equal(BlobDigest.Of(data).Sha256Hex, get.Headers.GetValues(AgentRpc.Sha256Header).Single());
            Assert.Equal(data, await get.Content.ReadAsByteArrayAsync());
        }
        using (var head = await node.BlobAsync(HttpMethod.Head, key, lease: execute.Lease)) Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using (var delete = await node.BlobAsync(HttpMethod.Delete, key, lease: execute.Lease))
        {
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
            Assert.Equal("agents may not delete blobs (cleanup is the node's job)", await TestNode.ErrorOf(delete));
        }
        Assert.True(await node.Blobs.ExistsAsync(key));
    }

    [Fact]
    public async Task A_task_reads_its_jobs_image_and_input_but_not_another_jobs_input()
    {
        await using var node = await TestNode.StartAsync();
        string mine = await node.CreateJobAsync(input: "mine"u8.ToArray());
        string theirs = await node.CreateJobAsync(input: "private input of another client"u8.ToArray());
        var execute = await node.ClaimAsync("execute");
        Assert.Equal(mine, execute.JobId);
        var other = (await node.Store.GetJobAsync(theirs))!.Spec;

        using (var image = await node.BlobAsync(HttpMethod.Get, BlobKeys.Image(execute.Spec.ImageId), lease: execute.Lease))
            Assert.Equal(TestNode.Elf, await image.Content.ReadAsByteArrayAsync());
        using (var input = await node.BlobAsync(HttpMethod.Get, BlobKeys.Input(execute.Spec.InputId), lease: execute.Lease))
            Assert.Equal("mine"u8.ToArray(), await input.Content.ReadAsByteArrayAsync());

        using (var forged = await node.BlobAsync(HttpMethod.Get, BlobKeys.Input(other.InputId), lease: execute.Lease))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
            Assert.Contains($"may not read '{BlobKeys.Input(other.InputId)}'", await TestNode.ErrorOf(forged));
        }
        // Not even knowing it exists: HEAD is scoped the same way.
        using (var head = await node.BlobAsync(HttpMethod.Head, BlobKeys.Input(other.InputId), lease: execute.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, head.StatusCode);
        // An execute task has no business with its job's proofs, nor with writing images.
        using (var proof = await node.BlobAsync(HttpMethod.Put, BlobKeys.Proof(mine, 0), [1], lease: execute.Lease))
        {
            Assert.Equal(HttpStatusCode.Forbidden, proof.StatusCode);
            Assert.Contains($"may write only its output '{BlobKeys.Run(mine)}'", await TestNode.ErrorOf(proof));
        }
        using (var image = await node.BlobAsync(HttpMethod.Put, BlobKeys.Image(execute.Spec.ImageId), [1, 2], lease: execute.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, image.StatusCode);
        Assert.Equal(TestNode.Elf, await node.Blobs.GetAsync(BlobKeys.Image(execute.Spec.ImageId)));
    }

    [Fact]
    public async Task Requests_without_a_current_lease_are_refused()
    {
        var clock = new ShiftedClock();
        await using var node = await TestNode.StartAsync(components: c => c with { Time = clock });
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute");
        string run = BlobKeys.Run(jobId);

        using (var none = await node.BlobAsync(HttpMethod.Put, run, [1]))
        {
            Assert.Equal(HttpStatusCode.Forbidden, none.StatusCode);
            Assert.Contains("must name the task and lease", await TestNode.ErrorOf(none));
        }
        using (var wrongLease = await node.BlobAsync(HttpMethod.Put, run, [1], lease: execute.Lease with { LeaseId = execute.Lease.LeaseId + 1000 }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrongLease.StatusCode);
            Assert.Contains("is not the current lease", await TestNode.ErrorOf(wrongLease));
        }
        // Blobs for a job that does not exist: there is no task to hold.
        string ghost = TaskIds.NewJobId();
        var forged = new TaskLease(TaskIds.TaskId(ghost, TaskType.Execute, 0), 1, 1);
        using (var noJob = await node.BlobAsync(HttpMethod.Put, BlobKeys.Run(ghost), [1], lease: forged))
        {
            Assert.Equal(HttpStatusCode.Forbidden, noJob.StatusCode);
            Assert.Equal($"there is no task '{forged.TaskId}'", await TestNode.ErrorOf(noJob));
        }
        // Once the lease has expired by the node's clock, it no longer opens anything.
        clock.Advance(TimeSpan.FromHours(2));
        using (var expired = await node.BlobAsync(HttpMethod.Put, run, [1], lease: execute.Lease))
        {
            Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
            Assert.Contains("has expired", await TestNode.ErrorOf(expired));
        }
        Assert.Equal(0, await node.BlobCountAsync("jobs/"));
    }

    [Fact]
    public async Task A_finished_receipt_cannot_be_overwritten()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var finalize = await DriveToFinalizeAsync(node, jobId);
        byte[] receipt = ScriptedTaskRunner.ReceiptFor(jobId);
        using (var put = await node.BlobAsync(HttpMethod.Put, BlobKeys.Receipt(jobId), receipt, lease: finalize.Lease))
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        // While the lease is valid, the same receipt again (a retried upload) is fine; other bytes are not.
        using (var again = await node.BlobAsync(HttpMethod.Put, BlobKeys.Receipt(jobId), receipt, lease: finalize.Lease))
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        using (var other = await node.BlobAsync(HttpMethod.Put, BlobKeys.Receipt(jobId), "forged"u8.ToArray(), lease: finalize.Lease))
        {
            Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
            Assert.Contains("cannot be replaced", await TestNode.ErrorOf(other));
        }
        await node.CallAsync(AgentRpc.ReportSuccess, new
        {
            agentId = "hand/0", lease = finalize.Lease, types = new[] { "finalize" },
            output = ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = receipt.Length }),
        });
        Assert.Equal(JobState.Succeeded, (await node.StatusAsync(jobId)).State);

        using (var late = await node.BlobAsync(HttpMethod.Put, BlobKeys.Receipt(jobId), "fake!"u8.ToArray(), lease: finalize.Lease))
        {
            Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
            Assert.Contains("succeeded, not running", await TestNode.ErrorOf(late));
        }
        using (var delete = await node.BlobAsync(HttpMethod.Delete, BlobKeys.Receipt(jobId), lease: finalize.Lease))
            Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        using var served = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/receipt");
        Assert.Equal(receipt, await served.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("jobs/ABC/run")]
    [InlineData("jobs//run")]
    [InlineData("jobs/x%20y")]
    [InlineData("jobs/x%2F..%2F..%2Fimages")]
    [InlineData("jobs/run/")]
    public async Task Invalid_keys_are_400(string key)
    {
        await using var node = await TestNode.StartAsync();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete })
        {
            using var response = await node.BlobAsync(method, key, method == HttpMethod.Put ? [1] : null);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("is not a valid blob key", await TestNode.ErrorOf(response));
        }
        Assert.Equal(0, await node.BlobCountAsync(""));
    }

    [Fact]
    public async Task Token_is_required()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute");
        string key = BlobKeys.Run(jobId);
        foreach (var token in new[] { null, "not-the-token-0123456789abcdef", TestNode.ApiKey })
        {
            using var put = await node.BlobAsync(HttpMethod.Put, key, [1], token, execute.Lease);
            Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
            using var get = await node.BlobAsync(HttpMethod.Get, key, token: token, lease: execute.Lease);
            Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        }
        Assert.False(await node.Blobs.ExistsAsync(key));
    }

    [Fact]
    public async Task Oversized_upload_is_413_by_its_declared_length_or_as_it_grows()
    {
        await using var node = await TestNode.StartAsync(o => o with { BlobLimits = o.BlobLimits with { Run = 100 } });
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute");
        string key = BlobKeys.Run(jobId);
        using (var declared = await node.BlobAsync(HttpMethod.Put, key, new byte[101], lease: execute.Lease))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
            Assert.Equal($"blob '{key}' is 101 bytes; the limit is 100", await TestNode.ErrorOf(declared));
        }
        // Chunked: no length up front, refused once the bytes read pass the limit.
        var chunked = new StreamContent(new MemoryStream(new byte[5000]));
        chunked.Headers.ContentLength = null;
        using (var grown = await node.BlobAsync(HttpMethod.Put, key, chunked, lease: execute.Lease))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, grown.StatusCode);
            Assert.Equal($"blob '{key}' is larger than the limit of 100 bytes", await TestNode.ErrorOf(grown));
        }
        Assert.False(await node.Blobs.ExistsAsync(key));
        Assert.DoesNotContain(Directory.EnumerateFiles(node.Blobs.Root, "*", SearchOption.AllDirectories), f => f.Contains("/jobs/"));
    }

    [Fact]
    public async Task A_corrupted_blob_is_reported_as_such_and_never_served()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var execute = await node.ClaimAsync("execute");
        string input = BlobKeys.Input(execute.Spec.InputId);
        // Overwritten behind the store's back: no digest record any more.
        await File.WriteAllBytesAsync(node.Blobs.PathOf(input), "tampered"u8.ToArray());
        using var get = await node.BlobAsync(HttpMethod.Get, input, lease: execute.Lease);
        Assert.Equal(HttpStatusCode.InternalServerError, get.StatusCode);
        Assert.True(get.Headers.Contains(AgentRpc.CorruptedHeader));
        Assert.Contains($"blob '{input}' is corrupted", await TestNode.ErrorOf(get));

        // The agent's store turns it into the named error.
        using var http = new HttpClient();
        var blobs = new Cluster.Agents.Http.HttpBlobStore(http, node.Node.BaseAddress, TestNode.AgentToken).ForTask(execute.TaskId, execute.Lease.LeaseId);
        var e = await Assert.ThrowsAsync<BlobCorruptedException>(() => blobs.GetAsync(input));
        Assert.Equal(input, e.Key);
    }

    /// <summary>Drives a job by hand (execute with one segment, both prove tasks) to its finalize task.</summary>
    internal static async Task<ClaimedTask> DriveToFinalizeAsync(TestNode node, string jobId)
    {
        string[] types = ["execute", "prove", "finalize"];
        var execute = await node.ClaimAsync("execute");
        Assert.Equal(jobId, execute.JobId);
        var output = ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = 500, Segments = 1, JournalHex = "beef", InputConsumed = 3 });
        var next = (await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "hand/0", lease = execute.Lease, output, types })).Deserialize<ClaimedTask>(ClusterJson.Options)!;
        string proved = ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = 3 });
        while (next.Type == TaskType.Prove)
        {
            // The node completes a prove task only with its proof stored.
            using (var proof = await node.BlobAsync(HttpMethod.Put, BlobKeys.Proof(jobId, next.Index), [1, 2, 3], lease: next.Lease))
                Assert.Equal(HttpStatusCode.NoContent, proof.StatusCode);
            next = (await node.CallAsync(AgentRpc.ReportSuccess, new { agentId = "hand/0", lease = next.Lease, output = proved, types })).Deserialize<ClaimedTask>(ClusterJson.Options)!;
        }
        Assert.Equal(TaskType.Finalize, next.Type);
        return next;
    }
}
