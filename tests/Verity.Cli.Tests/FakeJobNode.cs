using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cli.Tests;

/// <summary>
/// TEST DOUBLE of a node's job API over real HTTP (HttpListener on 127.0.0.1): accepts uploads, creates jobs that run
/// for <see cref="PollsUntilDone"/> status polls and then end in <see cref="Outcome"/>, serves a fixed receipt. Not a
/// node: nothing is proved. Lets the CLI's job commands be tested end to end without Verity.Node.
/// </summary>
public sealed class FakeJobNode : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, (CreateJobRequest Request, int Polls, bool Cancelled)> _jobs = new();

    public FakeJobNode(string apiKey, string imageId)
    {
        ApiKey = apiKey;
        ImageId = imageId;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        BaseAddress = $"http://127.0.0.1:{port}";
        _ = Task.Run(LoopAsync);
    }

    public string BaseAddress { get; }
    public string ApiKey { get; }
    public string ImageId { get; }
    public int PollsUntilDone { get; init; } = 2;
    public JobState Outcome { get; init; } = JobState.Succeeded;
    public byte[] Receipt { get; } = Encoding.ASCII.GetBytes("fake receipt bytes");
    public ConcurrentQueue<string> Requests { get; } = new();
    public ConcurrentQueue<byte[]> Inputs { get; } = new();
    public IReadOnlyCollection<CreateJobRequest> Jobs => _jobs.Values.Select(j => j.Request).ToList();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext c;
            try { c = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            try { await ServeAsync(c); }
            catch (Exception e) { await Answer(c, 500, new ApiError("fake node failed: " + e.Message)); }
        }
    }

    private async Task ServeAsync(HttpListenerContext c)
    {
        string method = c.Request.HttpMethod, path = c.Request.Url!.AbsolutePath;
        Requests.Enqueue($"{method} {path}");
        using var body = new MemoryStream();
        await c.Request.InputStream.CopyToAsync(body);
        if (c.Request.Headers[JobApi.ApiKeyHeader] != ApiKey) { await Answer(c, 401, new ApiError("missing or wrong API key")); return; }
        var parts = path.Trim('/').Split('/');
        switch (method, parts)
        {
            case ("POST", ["v1", "images"]):
                await Answer(c, 201, new ImageUploaded(ImageId, body.Length));
                return;
            case ("POST", ["v1", "inputs"]):
                Inputs.Enqueue(body.ToArray());
                await Answer(c, 201, new InputUploaded(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body.ToArray())), body.Length));
                return;
            case ("POST", ["v1", "jobs"]):
                var request = ClusterJson.Deserialize<CreateJobRequest>(Encoding.UTF8.GetString(body.ToArray()));
                string id = TaskIds.NewJobId();
                _jobs[id] = (request, 0, false);
                await Answer(c, 201, new JobCreated(id));
                return;
            case ("GET", ["v1", "jobs", var id2]) when _jobs.TryGetValue(id2, out var job):
                _jobs[id2] = job with { Polls = job.Polls + 1 };
                await Answer(c, 200, View(id2, job.Request, job.Polls + 1, job.Cancelled));
                return;
            case ("GET", ["v1", "jobs", var id3, "receipt"]) when _jobs.ContainsKey(id3):
                c.Response.StatusCode = 200;
                c.Response.ContentType = "application/octet-stream";
                await c.Response.OutputStream.WriteAsync(Receipt);
                c.Response.Close();
                return;
            case ("POST", ["v1", "jobs", var id4, "cancel"]) when _jobs.TryGetValue(id4, out var job4):
                _jobs[id4] = job4 with { Cancelled = true };
                await Answer(c, 200, View(id4, job4.Request, job4.Polls, true));
                return;
            case (_, ["v1", "jobs", ..]):
                await Answer(c, 404, new ApiError($"no job {(parts.Length > 2 ? parts[2] : "")}"));
                return;
            default:
                await Answer(c, 404, new ApiError($"no route {method} {path}"));
                return;
        }
    }

    private JobStatusView View(string id, CreateJobRequest request, int polls, bool cancelled)
    {
        var state = cancelled ? JobState.Cancelled : polls > PollsUntilDone ? Outcome : JobState.Running;
        bool executed = polls > 1 || state != JobState.Running;
        int proveDone = state == JobState.Succeeded ? 3 : executed ? 1 : 0;
        return new JobStatusView
        {
            JobId = id,
            State = state,
            Error = state == JobState.Failed ? "prove task 1 failed after 3 attempt(s): out of memory" : null,
            ImageId = request.ImageId!,
            InputId = request.InputId!,
            SegmentPo2 = request.SegmentPo2 ?? 20,
            Parameters = request.Parameters ?? "default",
            CreatedAt = DateTimeOffset.UtcNow.AddSeconds(-2),
            FinishedAt = state.IsTerminal() ? DateTimeOffset.UtcNow : null,
            Cycles = executed ? 36_000 : null,
            Segments = executed ? 2 : null,
            ExitCode = executed ? 0 : null,
            JournalHex = executed ? "6869" : null,
            ReceiptBytes = state == JobState.Succeeded ? Receipt.Length : null,
            Tasks = new Dictionary<string, TaskProgress>
            {
                ["execute"] = new() { Total = 1, Done = executed ? 1 : 0, Running = executed ? 0 : 1 },
                ["prove"] = new() { Total = executed ? 3 : 0, Done = proveDone, Running = executed ? 3 - proveDone : 0 },
                ["finalize"] = new() { Total = executed ? 1 : 0, Done = state == JobState.Succeeded ? 1 : 0, Pending = executed && state == JobState.Running ? 1 : 0 },
            },
        };
    }

    private static async Task Answer<T>(HttpListenerContext c, int status, T value)
    {
        var bytes = Encoding.UTF8.GetBytes(ClusterJson.Serialize(value));
        c.Response.StatusCode = status;
        c.Response.ContentType = "application/json";
        await c.Response.OutputStream.WriteAsync(bytes);
        c.Response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
