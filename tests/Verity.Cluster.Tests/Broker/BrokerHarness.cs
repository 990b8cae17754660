using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store.Sqlite;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Broker;

/// <summary>A broker and job service over a fresh SQLite store and file blobs, on a clock the test moves.</summary>
internal sealed class BrokerHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);
    public static readonly TaskType[] All = [.. TaskTypes.All];

    private readonly MetricsCollector _collector;
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-broker-").FullName;

    public BrokerHarness(BrokerOptions? options = null)
    {
        Options = options ?? new BrokerOptions();
        _collector = new MetricsCollector(Metrics.Meter); // before any event: histogram recordings are kept from here on
        Store = new SqliteTaskStore(Path.Combine(_dir, "node.db"), Options.Policies);
        Files = new FileBlobStore(Path.Combine(_dir, "blobs"));
        Blobs = new HookedBlobStore(Files);
        Broker = new ProvingBroker(Store, Blobs, Metrics, Options, Clock);
        Jobs = new JobService(Store, Blobs, Metrics, Options, Clock, Broker.WorkAvailable);
        Lifecycle = new JobLifecycle(Store, Blobs, Options, Clock);
    }

    public BrokerOptions Options { get; }
    public ManualClock Clock { get; } = new(T0);
    public SqliteTaskStore Store { get; }
    public FileBlobStore Files { get; }
    public HookedBlobStore Blobs { get; }
    public ClusterMetrics Metrics { get; } = new();
    public ProvingBroker Broker { get; }
    public JobService Jobs { get; }
    public JobLifecycle Lifecycle { get; }

    public static async Task<BrokerHarness> StartAsync(BrokerOptions? options = null)
    {
        var h = new BrokerHarness(options);
        await h.Store.MigrateAsync();
        return h;
    }

    /// <summary>Stores an image and an input (any bytes: job creation checks only that they are there).</summary>
    public async Task<(string ImageId, string InputId)> UploadAsync(char image = 'a', char input = 'b')
    {
        string imageId = new(image, 64), inputId = new(input, 64);
        await Files.PutAsync(BlobKeys.Image(imageId), "elf"u8.ToArray());
        await Files.PutAsync(BlobKeys.Input(inputId), "input"u8.ToArray());
        return (imageId, inputId);
    }

    public async Task<string> CreateJobAsync(int po2 = 10, long? maxCycles = null)
    {
        var (imageId, inputId) = await UploadAsync();
        return (await Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId, SegmentPo2 = po2, MaxCycles = maxCycles })).JobId;
    }

    public async Task<ClaimedTask> ClaimAsync(string agent = "agent", params TaskType[] types) =>
        await Broker.GetTaskAsync(agent, types.Length == 0 ? All : types) ?? throw new Xunit.Sdk.XunitException("expected a task, got none");

    public static string ExecuteOutput(long cycles, int segments, string journalHex = "c0ffee", long inputConsumed = 5) =>
        ClusterJson.Serialize(new ExecuteTaskOutput { Cycles = cycles, Segments = segments, JournalHex = journalHex, InputConsumed = inputConsumed, ExecuteMs = 1 });

    public static string ProveOutput => ClusterJson.Serialize(new ProveTaskOutput { ProofBytes = 100, ProveMs = 1 });

    public static string FinalizeOutput => ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = 7, VerifyMs = 1 });

    /// <summary>The task and job counters of /metrics, by instrument name (claims left out: reports hand out next tasks).</summary>
    public string Counters() => _collector.Collect().Render(name =>
        (name.StartsWith("verity_task_", StringComparison.Ordinal) && name != "verity_task_claims") || name == "verity_proven_cycles");

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _collector.Dispose();
        Metrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
