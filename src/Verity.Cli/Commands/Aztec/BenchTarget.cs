using System.Diagnostics;
using System.Text.Json;
using Verity.Aztec;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands.Aztec;

/// <summary>What `verity bench aztec` measures: Aztec's own broker, and a Verity node on each store.</summary>
internal enum BenchTargetKind
{
    Aztec,
    VeritySqlite,
    VerityPostgres,
}

/// <summary>
/// A broker started fresh for one run of bench.mjs: its URL, and the CPU time of the process serving it (Aztec's broker
/// in its own node process; Verity's node inside this process, which does nothing else while bench.mjs runs).
/// </summary>
internal abstract class BenchTarget : IAsyncDisposable
{
    public abstract Uri Url { get; }

    public abstract TimeSpan BrokerCpuTime();

    /// <summary>CPU time of the store's own server processes (a local PostgreSQL), or null: none, or not measurable.</summary>
    public virtual TimeSpan? StoreCpuTime() => null;

    public abstract ValueTask DisposeAsync();

    public static string Name(BenchTargetKind kind) => kind switch
    {
        BenchTargetKind.Aztec => "aztec-in-memory",
        BenchTargetKind.VeritySqlite => "verity-sqlite",
        BenchTargetKind.VerityPostgres => "verity-postgres",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static async Task<BenchTarget> StartAsync(BenchTargetKind kind, string toolsDir, BenchPostgres? postgres, CancellationToken ct) => kind switch
    {
        BenchTargetKind.Aztec => await AztecBroker.StartAsync(toolsDir, ct).ConfigureAwait(false),
        BenchTargetKind.VeritySqlite => await VerityNode.StartAsync(null, ct).ConfigureAwait(false),
        BenchTargetKind.VerityPostgres => await VerityNode.StartAsync(postgres ?? throw new InvalidOperationException("no --postgres"), ct).ConfigureAwait(false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Aztec's ProvingBroker on its in-memory database behind Aztec's JSON-RPC server (harness/aztec-broker.mjs), with
    /// its default job timeout; bodies up to 64 MB, as its 1 MB default refuses the facade's batched enqueues.
    /// </summary>
    private sealed class AztecBroker(HarnessProcess process, Uri url) : BenchTarget
    {
        private static readonly TimeSpan StartGuard = TimeSpan.FromSeconds(120);

        public override Uri Url => url;

        public override TimeSpan BrokerCpuTime() => process.CpuTime();

        public static async Task<AztecBroker> StartAsync(string toolsDir, CancellationToken ct)
        {
            var printed = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = HarnessProcess.Start(toolsDir, "aztec-broker.mjs", ["--max-body-size", "64mb"], line =>
            {
                if (!line.StartsWith('{')) return;
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.TryGetProperty("url", out var u) && Uri.TryCreate(u.GetString(), UriKind.Absolute, out var uri))
                        printed.TrySetResult(uri);
                }
                catch (JsonException) { }
            });
            try
            {
                var exited = process.WaitAsync(StartGuard, ct);
                var first = await Task.WhenAny(printed.Task, exited).ConfigureAwait(false);
                if (first != printed.Task)
                {
                    await exited.ConfigureAwait(false);
                    throw new CliFailureException($"aztec-broker.mjs exited before printing its URL\n{process.Output}");
                }
                return new AztecBroker(process, await printed.Task.ConfigureAwait(false));
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public override ValueTask DisposeAsync() => process.DisposeAsync();
    }

    /// <summary>
    /// A Verity node in this process with the Aztec endpoint on 127.0.0.1, no embedded agents, default Node:Aztec
    /// settings, on SQLite in a temporary data dir or on a fresh PostgreSQL schema (filesystem blobs there too).
    /// </summary>
    private sealed class VerityNode(RunningNode node, string dataDir, BenchPostgres? postgres, string? schema) : BenchTarget
    {
        public override Uri Url => node.AztecAddress!;

        public override TimeSpan BrokerCpuTime()
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }

        public override TimeSpan? StoreCpuTime() => postgres?.ServerCpuTime();

        public static async Task<VerityNode> StartAsync(BenchPostgres? postgres, CancellationToken ct)
        {
            string dir = Path.Combine(Path.GetTempPath(), $"verity-bench-aztec-{Guid.NewGuid():N}");
            string? schema = postgres is null ? null : await postgres.CreateSchemaAsync(ct).ConfigureAwait(false);
            try
            {
                var options = new NodeOptions
                {
                    DataDir = dir,
                    Db = postgres is null ? "sqlite" : "postgres",
                    Postgres = new PostgresSettings { ConnectionString = schema is null ? null : postgres!.For(schema) },
                    Blobs = "fs",
                    Agents = 0,
                    Listen = "http://127.0.0.1:0",
                    Aztec = new AztecOptions { Listen = "http://127.0.0.1:0", AllowFrom = ["loopback"] },
                };
                var node = await NodeHost.StartAsync(options, DefaultComponents.Create(), log: _ => { }, ct).ConfigureAwait(false);
                return new VerityNode(node, dir, postgres, schema);
            }
            catch
            {
                await CleanUpAsync(dir, postgres, schema).ConfigureAwait(false);
                throw;
            }
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await node.StopAsync().ConfigureAwait(false);
                await node.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await CleanUpAsync(dataDir, postgres, schema).ConfigureAwait(false);
            }
        }

        private static async Task CleanUpAsync(string dir, BenchPostgres? postgres, string? schema)
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"warning: could not delete {dir}: {e.Message}");
            }
            if (postgres != null && schema != null)
            {
                // The node's pooled connections are idle now; they hold no locks on the schema.
                try { await postgres.DropSchemaAsync(schema, CancellationToken.None).ConfigureAwait(false); }
                catch (CliFailureException e) { Console.Error.WriteLine($"warning: {e.Message}"); }
            }
        }
    }
}
