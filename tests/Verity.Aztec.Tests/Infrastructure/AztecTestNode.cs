using Verity.Aztec;
using Verity.Node.Configuration;
using Verity.Node.Hosting;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Aztec.Tests.Infrastructure;

/// <summary>
/// A real node with the Aztec endpoint on 127.0.0.1 (port 0 unless given), no embedded agents, its store on SQLite in
/// a temporary data dir or on a PostgreSQL database; restartable on the same data dir, database and port.
/// </summary>
internal sealed class AztecTestNode : IAsyncDisposable
{
    public const string ApiKey = "aztec-test-api-key-0123456789";

    private readonly Func<AztecOptions, AztecOptions>? _configure;
    private readonly string? _postgres;
    private RunningNode? _node;

    private AztecTestNode(string dataDir, string? postgres, Func<AztecOptions, AztecOptions>? configure, ShiftedClock clock)
    {
        DataDir = dataDir;
        _postgres = postgres;
        _configure = configure;
        Clock = clock;
    }

    public string DataDir { get; }
    public ShiftedClock Clock { get; }
    public RunningNode Node => _node ?? throw new InvalidOperationException("the node is stopped");
    public Uri Address => Node.AztecAddress!;
    public AztecRpc Rpc => new(Address);

    /// <param name="postgres">A connection string: the node's store on PostgreSQL; null: SQLite.</param>
    public static async Task<AztecTestNode> StartAsync(string? postgres = null, Func<AztecOptions, AztecOptions>? configure = null)
    {
        var node = new AztecTestNode(Path.Combine(Path.GetTempPath(), "verity-aztec-tests", Guid.NewGuid().ToString("N")), postgres, configure, new ShiftedClock());
        await node.StartNodeAsync("http://127.0.0.1:0");
        return node;
    }

    /// <summary>Stops the node and starts it again on the same store and the same Aztec port.</summary>
    public async Task RestartAsync()
    {
        string listen = $"http://127.0.0.1:{Address.Port}";
        await Node.StopAsync();
        _node = null;
        await StartNodeAsync(listen);
    }

    private async Task StartNodeAsync(string aztecListen)
    {
        var aztec = new AztecOptions { Listen = aztecListen, AllowFrom = ["loopback"] };
        if (_configure != null) aztec = _configure(aztec) with { Listen = aztecListen };
        var options = new NodeOptions
        {
            DataDir = DataDir,
            Listen = "http://127.0.0.1:0",
            Agents = 0,
            ApiKeys = [ApiKey],
            AgentToken = "aztec-test-agent-token-0123456789",
            Db = _postgres is null ? "sqlite" : "postgres",
            Postgres = new PostgresSettings { ConnectionString = _postgres },
            Aztec = aztec,
        };
        var components = new NodeComponents
        {
            CreateStore = DefaultComponents.CreateStore,
            CreateBlobs = NodeComponents.FileBlobs,
            CreateRunner = _ => throw new InvalidOperationException("no embedded agents in these tests"),
            Time = Clock,
        };
        _node = await NodeHost.StartAsync(options, components, log: _ => { });
    }

    public async ValueTask DisposeAsync()
    {
        if (_node != null) await _node.StopAsync();
        try { Directory.Delete(DataDir, recursive: true); }
        catch (IOException) { }
    }
}
