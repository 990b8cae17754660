using System.Text.Json;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Client;

/// <summary>The job API client against a stub node: routes, headers, bodies, error mapping, waiting.</summary>
public sealed class NodeClientTests
{
    private const string Key = "client-key-1";
    private const string JobId = "0193aabbccddeeff0011223344556677";

    private static JobStatusView Status(JobState state, int proveDone = 0) => new()
    {
        JobId = JobId,
        State = state,
        ImageId = new string('a', 64),
        InputId = new string('b', 64),
        SegmentPo2 = 16,
        Parameters = "default",
        CreatedAt = DateTimeOffset.UnixEpoch,
        Cycles = state == JobState.Running ? null : 1000,
        Tasks = new Dictionary<string, TaskProgress>
        {
            ["execute"] = new() { Total = 1, Done = 1 },
            ["prove"] = new() { Total = 3, Done = proveDone, Running = 3 - proveDone },
            ["finalize"] = new() { Total = 1, Pending = state == JobState.Running ? 1 : 0, Done = state == JobState.Succeeded ? 1 : 0 },
        },
    };

    [Fact]
    public async Task Uploads_and_job_creation_use_the_documented_routes_headers_and_bodies()
    {
        using var server = new StubHttpServer(r => (r.Method, r.Path) switch
        {
            ("POST", "/v1/images") => StubResponse.Json(201, ClusterJson.Serialize(new ImageUploaded(new string('a', 64), r.Body.Length))),
            ("POST", "/v1/inputs") => StubResponse.Json(201, ClusterJson.Serialize(new InputUploaded(new string('b', 64), r.Body.Length))),
            ("POST", "/v1/jobs") => StubResponse.Json(201, ClusterJson.Serialize(new JobCreated(JobId))),
            _ => StubResponse.Json(404, "{\"error\":\"no route\"}"),
        });
        using var client = new NodeClient(server.BaseAddress, Key);

        var image = await client.UploadImageAsync(new byte[] { 0x7f, 0x45, 0x4c, 0x46 });
        var input = await client.UploadInputAsync(new byte[] { 1, 2, 3 });
        var deadline = new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var created = await client.CreateJobAsync(new CreateJobRequest { ImageId = image.ImageId, InputId = input.InputId, SegmentPo2 = 18, Parameters = "blowup4", Deadline = deadline, Priority = 7, ExecuteOnly = true });

        Assert.Equal((new string('a', 64), 4L), (image.ImageId, image.Bytes));
        Assert.Equal(3, input.Bytes);
        Assert.Equal(JobId, created.JobId);
        var requests = server.Requests.ToArray();
        Assert.All(requests, r => Assert.Equal(Key, r.Header(JobApi.ApiKeyHeader)));
        Assert.Equal("application/octet-stream", requests[0].Header("Content-Type"));
        Assert.Equal(new byte[] { 0x7f, 0x45, 0x4c, 0x46 }, requests[0].Body);
        Assert.Equal(new byte[] { 1, 2, 3 }, requests[1].Body);
        using var job = JsonDocument.Parse(requests[2].BodyText);
        var root = job.RootElement;
        Assert.Equal(new string('a', 64), root.GetProperty("imageId").GetString());
        Assert.Equal(18, root.GetProperty("segmentPo2").GetInt32());
        Assert.Equal("blowup4", root.GetProperty("parameters").GetString());
        Assert.Equal(deadline, root.GetProperty("deadline").GetDateTimeOffset());
        Assert.Equal(7, root.GetProperty("priority").GetInt32());
        Assert.True(root.GetProperty("executeOnly").GetBoolean());
    }

    [Fact]
    public async Task Status_receipt_and_cancel_read_the_nodes_answers()
    {
        byte[] receipt = [9, 8, 7, 6];
        using var server = new StubHttpServer(r => (r.Method, r.Path) switch
        {
            ("GET", $"/v1/jobs/{JobId}") => StubResponse.Json(200, ClusterJson.Serialize(Status(JobState.Succeeded, 3))),
            ("GET", $"/v1/jobs/{JobId}/receipt") => StubResponse.Bytes(receipt),
            ("POST", $"/v1/jobs/{JobId}/cancel") => StubResponse.Json(200, ClusterJson.Serialize(Status(JobState.Cancelled))),
            _ => StubResponse.Json(404, "{\"error\":\"no route\"}"),
        });
        using var client = new NodeClient(server.BaseAddress, Key);

        var status = await client.GetStatusAsync(JobId);
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(3, status.Tasks["prove"].Done);
        Assert.Equal(1000, status.Cycles);
        Assert.Equal(receipt, await client.GetReceiptAsync(JobId));
        Assert.Equal(JobState.Cancelled, (await client.CancelAsync(JobId)).State);
    }

    [Theory]
    [InlineData(404, "{\"error\":\"no job 0193aabbccddeeff0011223344556677\"}", "no job 0193aabbccddeeff0011223344556677")]
    [InlineData(409, "{\"error\":\"job is still running; its receipt is not ready\"}", "still running")]
    [InlineData(502, "<html>Bad Gateway</html>", "502")]
    public async Task Error_answers_become_NodeClientExceptions_with_the_status_and_the_nodes_message(int status, string body, string expected)
    {
        using var server = new StubHttpServer(_ => StubResponse.Json(status, body));
        using var client = new NodeClient(server.BaseAddress, Key);
        var e = await Assert.ThrowsAsync<NodeClientException>(() => client.GetReceiptAsync(JobId));
        Assert.Equal(status, e.StatusCode);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Wait_polls_until_the_job_ends_reporting_each_status_and_rides_out_a_restart()
    {
        int polls = 0;
        using var server = new StubHttpServer(_ => Interlocked.Increment(ref polls) switch
        {
            1 => StubResponse.Json(200, ClusterJson.Serialize(Status(JobState.Running, 0))),
            2 => StubResponse.Text(503, "starting"),
            3 => StubResponse.Json(200, ClusterJson.Serialize(Status(JobState.Running, 2))),
            _ => StubResponse.Json(200, ClusterJson.Serialize(Status(JobState.Succeeded, 3))),
        });
        using var client = new NodeClient(server.BaseAddress, Key);
        var seen = new List<JobStatusView>();

        var final = await client.WaitAsync(JobId, new SyncProgress(seen.Add), TimeSpan.FromMilliseconds(10));

        Assert.Equal(JobState.Succeeded, final.State);
        Assert.Equal([0, 2, 3], seen.Select(s => s.Tasks["prove"].Done));
        Assert.Equal(4, polls);
    }

    [Fact]
    public async Task Wait_gives_up_after_too_many_failures_in_a_row()
    {
        using var server = new StubHttpServer(_ => StubResponse.Text(503, "down"));
        using var client = new NodeClient(server.BaseAddress, Key);
        var e = await Assert.ThrowsAsync<NodeClientException>(() => client.WaitAsync(JobId, null, TimeSpan.FromMilliseconds(5), maxTransientFailures: 3));
        Assert.Equal(503, e.StatusCode);
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task Job_ids_are_checked_before_any_request()
    {
        using var server = new StubHttpServer(_ => StubResponse.Empty(500));
        using var client = new NodeClient(server.BaseAddress, Key);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.GetStatusAsync("../images"));
        Assert.Contains("not a job id", e.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_unreachable_node_is_an_HttpRequestException()
    {
        using var client = new NodeClient(new Uri($"http://127.0.0.1:{StubHttpServer.FreePort()}"), Key);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStatusAsync(JobId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("key with spaces")]
    public void Bad_keys_are_refused_up_front(string key)
    {
        Assert.Throws<ArgumentException>(() => new NodeClient(new Uri("http://127.0.0.1:8547"), key));
    }

    private sealed class SyncProgress(Action<JobStatusView> report) : IProgress<JobStatusView>
    {
        public void Report(JobStatusView value) => report(value);
    }
}
