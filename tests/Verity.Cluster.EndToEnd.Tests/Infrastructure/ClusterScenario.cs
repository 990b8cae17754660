using Verity.Cluster.Broker;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Node.Hosting;
using Xunit.Abstractions;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The base of every scenario: each test gets a fresh data dir (blobs, and the SQLite file on SQLite) and a fresh store
/// (<see cref="CreateStoreAsync"/>: a new SQLite file, or a new schema in the class's PostgreSQL database). Nodes and
/// processes a test starts are stopped (processes killed) when it ends; node and process logs go to the test output.
/// </summary>
public abstract class ClusterScenario(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _cleanup = [];

    protected string DataDir { get; } = Path.Combine(Path.GetTempPath(), "verity-e2e", Guid.NewGuid().ToString("N"));

    protected StoreTarget Store { get; private set; } = null!;

    /// <summary>The store this class runs on, for one test.</summary>
    protected abstract Task<StoreTarget> CreateStoreAsync();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        Store = await CreateStoreAsync();
    }

    public async Task DisposeAsync()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            try { await _cleanup[i].DisposeAsync(); }
            catch (Exception e) { Log($"clean-up: {e.Message}"); }
        }
        try { Directory.Delete(DataDir, recursive: true); }
        catch (IOException) { /* best effort: a temp dir */ }
    }

    /// <summary>A line in the test's output (ignored once the test is over: background loops may still log).</summary>
    protected void Log(string line)
    {
        try { output.WriteLine(line); }
        catch (InvalidOperationException) { }
    }

    protected T Track<T>(T disposable) where T : IAsyncDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    /// <summary>Starts a node in this process on the test's store and data dir.</summary>
    protected async Task<InProcessNode> StartNodeAsync(int agents, BrokerOptions broker, Func<NodeComponents, NodeComponents>? customize = null) =>
        Track(await InProcessNode.StartAsync(NodeSettings.Options(DataDir, Store, agents, broker), Log, customize));

    /// <summary>Starts a `verity node` process on the test's store and data dir; returns it with the URL it listens on.</summary>
    protected async Task<(VerityProcess Process, Uri Url)> StartNodeProcessAsync(string name, int agents, BrokerOptions broker)
    {
        string[] args = ["node", "--data-dir", DataDir, .. Store.NodeFlags, "--agents", agents.ToString(System.Globalization.CultureInfo.InvariantCulture), "--listen", "http://127.0.0.1:0"];
        var process = Track(VerityProcess.Start(name, args, NodeSettings.Environment(broker), Log));
        return (process, await process.ListeningUrlAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>Uploads a program and an input and creates a job for them; returns the job id.</summary>
    protected static async Task<string> SubmitAsync(NodeClient client, byte[] elf, byte[] input, int po2, SimulationSpec? simulation = null, bool executeOnly = false)
    {
        var image = await client.UploadImageAsync(elf);
        var uploaded = await client.UploadInputAsync(input);
        var created = await client.CreateJobAsync(new CreateJobRequest
        {
            ImageId = image.ImageId,
            InputId = uploaded.InputId,
            SegmentPo2 = po2,
            Parameters = "insecure-test",
            ExecuteOnly = executeOnly,
            Simulation = simulation,
        });
        return created.JobId;
    }
}
