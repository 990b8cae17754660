using System.CommandLine;
using Microsoft.Extensions.Logging;
using Verity.Broker.Benchmarks;
using Verity.Broker.Cluster;
using Verity.Broker.Config;
using Verity.Chain.Anvil;
using Verity.Cluster.Client;
using Verity.Market.Devnet;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// `verity bench broker`: a throwaway anvil and devnet market, a node in-process (SQLite, file blobs, one embedded
/// agent), the order stream and ONE listen-only broker; N requests posted off-chain before the broker starts, then its
/// evaluations per second and preflight latency (<see cref="BrokerBenchmark"/>).
/// </summary>
internal static class BenchBrokerCommand
{
    public static Command Create()
    {
        var orders = new Option<int>("--orders") { Description = "requests to evaluate", DefaultValueFactory = _ => new BrokerBenchmarkSettings().Orders };
        var distinct = new Option<bool>("--distinct-inputs") { Description = "a distinct input per request (a preflight each); default: one input for all (preflight cached after the first)" };
        var timeout = new Option<int>("--timeout") { Description = "seconds to wait for every decision before failing (hang guard)", DefaultValueFactory = _ => 900 };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("broker", "Benchmark the broker's evaluation: requests evaluated per second and preflight latency (listen-only broker, requests via the order stream).");
        foreach (var o in new Option[] { orders, distinct, timeout, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            bool asJson = r.GetValue(json);
            var settings = new BrokerBenchmarkSettings(r.GetValue(orders), r.GetValue(distinct));
            if (settings.Problem() is { } problem) throw new CliException(problem + ".");
            if (r.GetValue(timeout) < 1) throw new CliException($"--timeout must be at least 1 second, got {r.GetValue(timeout)}.");
            string dir = Directory.CreateTempSubdirectory("verity-bench-broker-").FullName;
            // Logs go to a file in the work dir (kept only when the run fails), so that the output is the figures.
            string logPath = Path.Combine(dir, "bench.log");
            var logWriter = new StreamWriter(logPath) { AutoFlush = true };
            var logLock = new object();
            void Log(string line) { lock (logLock) logWriter.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}"); }
            using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new LineLoggerProvider(Log)));
            bool ok = false;
            try
            {
                MarketOutput.Note(asJson, "starting anvil, the market and a node for the benchmark");
                await using var anvil = await AnvilProcess.StartAsync(ct: ct);
                var deployment = await DevnetSetup.DeployAsync(anvil.RpcUrl, ct);
                await using var node = await NodeHost.StartAsync(new NodeOptions
                {
                    DataDir = Path.Combine(dir, "node"), Db = "sqlite", Blobs = "fs", Agents = 1, Listen = "http://127.0.0.1:0",
                }, DefaultComponents.Create(), Log, ct);
                using var client = new NodeClient(node.BaseAddress, node.ApiKey);
                using var cluster = new NodeCluster(client, new BrokerConfigSource(BrokerConfig.Default));
                var result = await BrokerBenchmark.RunAsync(settings, anvil.RpcUrl, deployment, cluster, dir, logs,
                    TimeSpan.FromSeconds(r.GetValue(timeout)), line => MarketOutput.Note(asJson, line), ct);
                await node.StopAsync();
                MarketOutput.Print(asJson, result.ToJson(), result.Lines());
                ok = true;
                return 0;
            }
            catch (TimeoutException e) { throw new CliFailureException($"{e.Message}; log kept: {logPath}"); }
            catch (Exception e) when (e is InvalidOperationException or DevnetException) { throw new CliFailureException($"{e.Message}; log kept: {logPath}"); }
            finally
            {
                await logWriter.DisposeAsync();
                if (ok)
                {
                    try { Directory.Delete(dir, recursive: true); }
                    catch (IOException) { }
                }
            }
        }));
        return cmd;
    }

    /// <summary>Every log line of the benchmark's components to one sink.</summary>
    private sealed class LineLoggerProvider(Action<string> write) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName, write);
        public void Dispose() { }

        private sealed class LineLogger(string category, Action<string> write) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                write($"[{category}] {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetBaseException().Message)}");
        }
    }
}
