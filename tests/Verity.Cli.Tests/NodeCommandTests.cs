using System.Collections;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Verity.Cli.Commands;
using Verity.Node.Configuration;

namespace Verity.Cli.Tests;

/// <summary>
/// `verity node`: every flag docs/CLUSTER.md documents works (and every flag it takes is documented), and bad
/// settings and failed starts end in one line per problem naming the setting, with a non-zero exit and no stack trace.
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed partial class NodeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"verity-node-cli-{Guid.NewGuid():N}");

    public NodeCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A value for each flag and how to see it took effect. A flag added to the CLI or the docs needs one here.</summary>
    private static readonly Dictionary<string, (string[] Args, Func<NodeOptions, bool> Took)> Samples = new()
    {
        ["--data-dir"] = (["--data-dir", "/tmp/verity-doc-flags"], o => o.DataDir == "/tmp/verity-doc-flags"),
        ["--db"] = (["--db", "postgres", "--postgres", "Host=db"], o => o.Db == "postgres"),
        ["--postgres"] = (["--postgres", "Host=db.example;Database=verity"], o => o.Postgres.ConnectionString == "Host=db.example;Database=verity"),
        ["--blobs"] = (["--blobs", "s3", "--s3-bucket", "b", "--s3-url", "http://127.0.0.1:9000"], o => o.Blobs == "s3"),
        ["--s3-url"] = (["--s3-url", "http://127.0.0.1:9000"], o => o.S3.ServiceUrl == "http://127.0.0.1:9000"),
        ["--s3-bucket"] = (["--s3-bucket", "proofs"], o => o.S3.Bucket == "proofs"),
        ["--s3-region"] = (["--s3-region", "eu-west-3"], o => o.S3.Region == "eu-west-3"),
        ["--agents"] = (["--agents", "3"], o => o.Agents == 3),
        ["--agent-types"] = (["--agent-types", "prove,finalize"], o => o.AgentTypes == "prove,finalize"),
        ["--listen"] = (["--listen", "http://127.0.0.1:9999"], o => o.Listen == "http://127.0.0.1:9999"),
        ["--api-key"] = (["--api-key", "doc-api-key-0123456789abcdef"], o => o.ApiKeys.SequenceEqual(["doc-api-key-0123456789abcdef"])),
        ["--agent-token"] = (["--agent-token", "doc-agent-token-0123456789abcdef"], o => o.AgentToken == "doc-agent-token-0123456789abcdef"),
        ["--otlp-endpoint"] = (["--otlp-endpoint", "http://127.0.0.1:4317"], o => o.OtlpEndpoint == "http://127.0.0.1:4317"),
        ["--allow-simulation"] = (["--allow-simulation"], o => o.Broker.AllowSimulation),
        ["--aztec-listen"] = (["--aztec-listen", "http://127.0.0.1:8080"], o => o.Aztec.Listen == "http://127.0.0.1:8080"),
        ["--Section:Key=value"] = (["--Broker:MaxJobAge=02:00:00", "--Node:S3:KeyPrefix", "n1/"], o => o.Broker.MaxJobAge == TimeSpan.FromHours(2) && o.S3.KeyPrefix == "n1/"),
    };

    [GeneratedRegex(@"`(--[A-Za-z][A-Za-z0-9:-]*(?:=value)?)`")]
    private static partial Regex FlagInBackticks();

    /// <summary>The flags the table in the Configuration section of docs/CLUSTER.md lists for `verity node`.</summary>
    private static List<string> DocumentedFlags()
    {
        string doc = File.ReadAllText(InProcessCli.RepoFile(Path.Combine("docs", "CLUSTER.md")));
        int start = doc.IndexOf("\n## Configuration", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/CLUSTER.md has no Configuration section");
        int end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = doc[start..(end < 0 ? doc.Length : end)];
        // The first cell of each row of its flag table.
        return [.. section.Split('\n').Where(l => l.StartsWith("| `--", StringComparison.Ordinal))
            .Select(l => FlagInBackticks().Match(l).Groups[1].Value)];
    }

    [Fact]
    public void Every_flag_docs_CLUSTER_md_documents_is_taken_by_verity_node_and_every_flag_it_takes_is_documented()
    {
        var documented = DocumentedFlags();
        var taken = NodeConfiguration.FlagKeys.Keys.Append("--config").Append("--Section:Key=value");
        Assert.Equal(taken.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));

        foreach (string flag in documented.Where(f => f != "--config"))
        {
            Assert.True(Samples.TryGetValue(flag, out var sample), $"docs/CLUSTER.md documents {flag}: give it a sample in {nameof(Samples)}");
            string[] args = ["node", .. sample.Args];
            var parsed = Program.BuildRoot().Parse(args);
            Assert.True(parsed.Errors.Count == 0, $"verity {string.Join(' ', args)}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            var (configFile, flags) = NodeCommand.Settings(parsed);
            Assert.Null(configFile);
            var options = NodeConfiguration.Load(null, flags, new Hashtable());
            Assert.True(sample.Took(options), $"verity {string.Join(' ', args)} did not set what it documents");
        }

        // --config reads the file; its settings lose to flags.
        string file = Path.Combine(_dir, "node.json");
        File.WriteAllText(file, """{ "Node": { "Agents": 5, "Listen": "http://127.0.0.1:7000" } }""");
        var (config, overrides) = NodeCommand.Settings(Program.BuildRoot().Parse(["node", "--config", file, "--agents", "2"]));
        var merged = NodeConfiguration.Load(config, overrides, new Hashtable());
        Assert.Equal(2, merged.Agents);
        Assert.Equal("http://127.0.0.1:7000", merged.Listen);
    }

    public static TheoryData<string[], string> BadSettings => new()
    {
        { ["--agents", "-1"], "error: Node:Agents must be 0 or more, got -1" },
        { ["--agents", "two"], "error: Node:Agents: 'two' is not an integer" },
        { ["--db", "mysql"], "error: Node:Db must be sqlite or postgres, got 'mysql'" },
        { ["--listen", "http://127.0.0.1:99999"], "error: Node:Listen 'http://127.0.0.1:99999' is not an absolute URL" },
        { ["--listen", "ftp://127.0.0.1:21"], "error: Node:Listen 'ftp://127.0.0.1:21' must use http" },
        { ["--db", "postgres"], "error: Node:Db is postgres, which needs Node:Postgres:ConnectionString" },
        { ["--Broker:MaxJobAge=soon"], "error: Broker:MaxJobAge: 'soon' is not a time span" },
        { ["--Node:Agentz=2"], "error: unknown setting 'Node:Agentz'" },
        { ["--lisen", "http://127.0.0.1:1"], "error: unknown flag '--lisen'" },
        { ["--config", "/nonexistent/verity-node.json"], "error: config file '/nonexistent/verity-node.json' does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_is_one_line_naming_it_and_exit_2(string[] args, string expected)
    {
        var (code, output, err) = InProcessCli.Run(["node", "--data-dir", _dir, .. args]);
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        Assert.StartsWith(expected, Assert.Single(InProcessCli.Lines(err)));
        AssertNoStackTrace(output + err);
    }

    [Fact]
    public void Every_bad_value_of_a_config_file_is_reported_one_line_each()
    {
        string file = Path.Combine(_dir, "bad.json");
        File.WriteAllText(file, """
            { "Node": { "Agents": -4, "Db": "oracle", "Listen": "nope", "SlowRequestThreshold": "soon" },
              "Broker": { "MaxImageMemoryBytes": 0, "AllowSimulation": "maybe" } }
            """);
        var (code, output, err) = InProcessCli.Run("node", "--config", file, "--data-dir", _dir);
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        var lines = InProcessCli.Lines(err);
        Assert.Equal(6, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("error: ", l));
        foreach (string setting in new[] { "Node:Agents", "Node:Db", "Node:Listen", "Node:SlowRequestThreshold", "Broker:MaxImageMemoryBytes", "Broker:AllowSimulation" })
            Assert.Contains(lines, l => l.Contains(setting, StringComparison.Ordinal));
        AssertNoStackTrace(output + err);
    }

    [Fact]
    public void Unreachable_PostgreSQL_is_one_line_naming_the_connection_string_and_exit_1()
    {
        int port = FreePort();
        var (code, output, err) = InProcessCli.Run("node", "--data-dir", _dir, "--listen", "http://127.0.0.1:0", "--db", "postgres",
            "--postgres", $"Host=127.0.0.1;Port={port};Username=verity;Password=not-shown-1234;Database=verity;Timeout=5");
        AssertStartFailure(code, output, err, "Node:Postgres:ConnectionString: cannot use PostgreSQL at 127.0.0.1:" + port);
        Assert.DoesNotContain("not-shown-1234", err);
    }

    [Fact]
    public void A_corrupt_node_db_is_one_line_naming_the_data_dir_and_exit_1()
    {
        File.WriteAllBytes(Path.Combine(_dir, "node.db"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 + 3))]);
        var (code, output, err) = InProcessCli.Run("node", "--data-dir", _dir, "--listen", "http://127.0.0.1:0");
        AssertStartFailure(code, output, err, $"Node:DataDir '{_dir}': the SQLite database {Path.Combine(_dir, "node.db")} cannot be used");
        Assert.Contains("file is not a database", err);
    }

    [Fact]
    public void A_corrupt_secrets_json_is_one_line_naming_the_data_dir_and_exit_1()
    {
        File.WriteAllText(Path.Combine(_dir, NodeSecrets.FileName), "{not json");
        var (code, output, err) = InProcessCli.Run("node", "--data-dir", _dir, "--listen", "http://127.0.0.1:0");
        AssertStartFailure(code, output, err, $"Node:DataDir '{_dir}': {Path.Combine(_dir, NodeSecrets.FileName)} is not a secrets file");
    }

    [Fact]
    public void A_port_in_use_is_one_line_naming_the_listen_address_and_exit_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (code, output, err) = InProcessCli.Run("node", "--data-dir", _dir, "--listen", $"http://127.0.0.1:{port}");
        AssertStartFailure(code, output, err, $"Node:Listen 'http://127.0.0.1:{port}': the address is already in use");
    }

    [Fact]
    public void A_listen_address_not_on_this_machine_is_one_line_naming_it_and_exit_1()
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): documentation only, never a local address.
        var (code, output, err) = InProcessCli.Run("node", "--data-dir", _dir, "--listen", "http://192.0.2.1:8547");
        AssertStartFailure(code, output, err, "Node:Listen 'http://192.0.2.1:8547': cannot listen there: ");
    }

    private static void AssertStartFailure(int code, string output, string err, string expected)
    {
        Assert.True(code == 1, $"exit {code}: {output}{err}");
        Assert.StartsWith("error: the node did not start: " + expected, Assert.Single(InProcessCli.Lines(err)));
        AssertNoStackTrace(output + err);
    }

    private static void AssertNoStackTrace(string text)
    {
        Assert.DoesNotContain("Unhandled exception", text);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception:", text);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
