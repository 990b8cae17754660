using System.Collections;
using Verity.Node.Configuration;

namespace Verity.Node.Tests;

/// <summary>Loading the node's options: precedence of the sources, every validation error, flags, generated secrets.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = TestNode.NewDataDir();

    public ConfigurationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly IDictionary NoEnvironment = new Hashtable();

    private string WriteConfig(string json)
    {
        string path = Path.Combine(_dir, $"node-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static KeyValuePair<string, string?>[] Flags(params (string Key, string Value)[] flags) =>
        flags.Select(f => new KeyValuePair<string, string?>(f.Key, f.Value)).ToArray();

    [Fact]
    public void Defaults_apply_when_nothing_is_configured()
    {
        var o = NodeConfiguration.Load(null, null, NoEnvironment);
        Assert.Equal("http://127.0.0.1:8547", o.Listen);
        Assert.Equal("sqlite", o.Db);
        Assert.Equal("fs", o.Blobs);
        Assert.Equal(1, o.Agents);
        Assert.Empty(o.ApiKeys);
        Assert.Null(o.AgentToken);
        Assert.Null(o.OtlpEndpoint);
        Assert.Equal(NodeOptions.DefaultDataDir(), o.DataDir);
        Assert.EndsWith("verity", o.DataDir);
        Assert.Equal(3, o.Broker.Policies.Prove.MaxAttempts);
    }

    [Fact]
    public void Flags_beat_environment_which_beats_the_file_which_beats_defaults()
    {
        string file = WriteConfig("""
            {
              "Node": { "Listen": "http://127.0.0.1:1001", "Agents": 2, "AgentTypes": "prove", "DataDir": "/tmp/from-file", "ApiKeys": ["file-key-0123456789abcdef"] },
              "Broker": { "MaxInputBytes": 111, "MaxImageBytes": 222, "Policies": { "Prove": { "MaxAttempts": 7 } } }
            }
            """);
        var env = new Hashtable
        {
            ["VERITY_Node__Listen"] = "http://127.0.0.1:1002",
            ["VERITY_Node__Agents"] = "3",
            ["VERITY_Broker__MaxInputBytes"] = "333",
            ["VERITY_Broker__Policies__Prove__HeartbeatTimeout"] = "00:00:05",
            ["OTHER_Node__Agents"] = "9",
        };
        var o = NodeConfiguration.Load(file, Flags(("Node:Listen", "http://127.0.0.1:1003")), env);
        Assert.Equal("http://127.0.0.1:1003", o.Listen);       // flag over env over file
        Assert.Equal(3, o.Agents);                              // env over file
        Assert.Equal("prove", o.AgentTypes);                    // file over default
        Assert.Equal("/tmp/from-file", o.DataDir);
        Assert.Equal(["file-key-0123456789abcdef"], o.ApiKeys);
        Assert.Equal(333, o.Broker.MaxInputBytes);
        Assert.Equal(222, o.Broker.MaxImageBytes);
        Assert.Equal(7, o.Broker.Policies.Prove.MaxAttempts);   // file, nested
        Assert.Equal(TimeSpan.FromSeconds(5), o.Broker.Policies.Prove.HeartbeatTimeout); // env, nested
        Assert.Equal(TimeSpan.FromMinutes(30), o.Broker.Policies.Prove.MaxDuration);     // untouched default
        Assert.Equal(2, o.Broker.Policies.Execute.MaxAttempts);                          // untouched default of another type
    }

    [Fact]
    public void Lists_come_from_indexed_environment_variables()
    {
        var env = new Hashtable { ["VERITY_Node__ApiKeys__0"] = "first-key-0123456789abcdef", ["verity_Node__ApiKeys__1"] = "second-key-0123456789abcdef" };
        var o = NodeConfiguration.Load(null, null, env);
        Assert.Equal(["first-key-0123456789abcdef", "second-key-0123456789abcdef"], o.ApiKeys);
    }

    [Fact]
    public void Settings_are_normalized()
    {
        var o = NodeConfiguration.Load(null, Flags(("Node:Db", " SQLite "), ("Node:Blobs", "FS"), ("Node:DataDir", "~/verity-data")), NoEnvironment);
        Assert.Equal("sqlite", o.Db);
        Assert.Equal("fs", o.Blobs);
        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "verity-data"), o.DataDir);
    }

    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "Node:Db", "mysql", "Node:Db must be sqlite or postgres, got 'mysql'" },
        { "Node:Db", "postgres", "Node:Db is postgres, which needs Node:Postgres:ConnectionString" },
        { "Node:Blobs", "gcs", "Node:Blobs must be fs or s3, got 'gcs'" },
        { "Node:Agents", "-1", "Node:Agents must be 0 or more, got -1" },
        { "Node:Agents", "1000", "Node:Agents 1000 is more than 256 embedded workers" },
        { "Node:AgentTypes", "execute,verify", "Node:AgentTypes: unknown task type 'verify'" },
        { "Node:Listen", "not a url", "Node:Listen 'not a url' is not an absolute URL" },
        { "Node:Listen", "https://127.0.0.1:8547", "Node:Listen 'https://127.0.0.1:8547' must use http" },
        { "Node:Listen", "http://127.0.0.1:8547/api", "Node:Listen 'http://127.0.0.1:8547/api' has a path" },
        { "Node:ApiKeys:0", "short", "Node:ApiKeys:0 is 5 characters; secrets need at least 16" },
        { "Node:AgentToken", "has spaces in the middle", "Node:AgentToken contains whitespace" },
        { "Node:OtlpEndpoint", "ftp://collector:4317", "Node:OtlpEndpoint 'ftp://collector:4317' must use http or https" },
        { "Node:DataDir", " ", "Node:DataDir is empty" },
        { "Node:MaxAgentBlobBytes", "0", "Node:MaxAgentBlobBytes must be in 1.." },
        { "Node:SlowRequestThreshold", "00:00:00", "Node:SlowRequestThreshold must be positive" },
        { "Node:SqliteBusyTimeout", "00:00:00", "Node:SqliteBusyTimeout must be positive" },
        { "Node:SqliteBusyTimeout", "02:00:00", "Node:SqliteBusyTimeout 02:00:00 is more than an hour" },
        { "Broker:MaxImageBytes", "0", "Broker:MaxImageBytes must be in 1.." },
        { "Broker:MaxInputBytes", "-5", "Broker:MaxInputBytes must be in 1.." },
        { "Broker:LeaseCheckInterval", "00:00:00", "Broker:LeaseCheckInterval must be positive" },
        { "Broker:Policies:Prove:MaxAttempts", "0", "Broker:Policies:Prove:MaxAttempts must be at least 1, got 0" },
        { "Broker:Policies:Execute:HeartbeatTimeout", "-00:00:01", "Broker:Policies:Execute:HeartbeatTimeout must be positive" },
        { "Node:Agents", "many", "Node:Agents: 'many' is not an integer" },
        { "Broker:MaxJobAge", "a day", "Broker:MaxJobAge: 'a day' is not a time span" },
        { "Broker:AllowSimulation", "maybe", "Broker:AllowSimulation: 'maybe' is not true or false" },
        { "Node:S3:ForcePathStyle", "yes", "Node:S3:ForcePathStyle: 'yes' is not true or false" },
        { "Broker:MaxImageMemoryBytes", "0", "Broker:MaxImageMemoryBytes must be in 1..1073741824, got 0" },
        { "Broker:MaxImageMemoryBytes", "1073741825", "Broker:MaxImageMemoryBytes must be in 1..1073741824" },
        { "Node:Lisen", "http://127.0.0.1:1", "unknown setting 'Node:Lisen'" },
        { "Broker:MaxImagesBytes", "1", "MaxImagesBytes" },
        { "Node:Broker:MaxImageBytes", "1", "broker settings go in the top-level section \"Broker\"" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Each_invalid_setting_gets_one_clear_error(string key, string value, string expected)
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(null, Flags((key, value)), NoEnvironment));
        Assert.Single(e.Errors);
        Assert.Contains(expected, e.Errors[0]);
    }

    [Fact]
    public void S3_settings_are_checked_together()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(null,
            Flags(("Node:Blobs", "s3"), ("Node:S3:Bucket", "b"), ("Node:S3:ServiceUrl", "minio:9000"), ("Node:S3:AccessKey", "ak")), NoEnvironment));
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("Node:S3:ServiceUrl 'minio:9000'", e.Errors[0]);
        Assert.Contains("Node:S3:AccessKey and Node:S3:SecretKey go together", e.Errors[1]);

        var bare = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(null, Flags(("Node:Blobs", "s3")), NoEnvironment));
        Assert.Equal(["Node:Blobs is s3, which needs Node:S3:Bucket", "Node:Blobs is s3, which needs Node:S3:ServiceUrl (for AWS: https://s3.<region>.amazonaws.com)"], bare.Errors);

        var ok = NodeConfiguration.Load(null, Flags(("Node:Blobs", "s3"), ("Node:S3:Bucket", "proofs"), ("Node:S3:ServiceUrl", "http://127.0.0.1:9000"),
            ("Node:S3:AccessKey", "ak"), ("Node:S3:SecretKey", "sk"), ("Node:S3:KeyPrefix", "n1/")), NoEnvironment);
        Assert.Equal("proofs", ok.S3.Bucket);
        Assert.Equal("n1/", ok.S3.KeyPrefix);
        Assert.True(ok.S3.ForcePathStyle);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(null,
            Flags(("Node:Db", "mysql"), ("Node:Agents", "-2"), ("Node:Listen", "nope")), NoEnvironment));
        Assert.Equal(3, e.Errors.Count);
        Assert.Contains("Node:Db must be sqlite or postgres, got 'mysql'", e.Message);
        Assert.Contains("Node:Agents must be 0 or more, got -2", e.Message);
        Assert.Contains("Node:Listen 'nope'", e.Message);
    }

    [Fact]
    public void Every_bad_value_of_a_config_file_is_reported_each_naming_its_setting()
    {
        string file = WriteConfig("""
            { "Node": { "Agents": "two", "SlowRequestThreshold": "soon", "Db": "oracle", "Listen": "nope", "Lisen": 1, "S3": { "Buckett": "b" } },
              "Broker": { "MaxJobAge": "abc", "AllowSimulation": "maybe", "MaxImageMemoryBytes": 0, "MaxInputBytes": 12 } }
            """);
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(file, null, NoEnvironment));
        Assert.Equal(
        [
            "Node:Agents: 'two' is not an integer",
            "unknown setting 'Node:Lisen'",
            "unknown setting 'Node:S3:Buckett'",
            "Node:SlowRequestThreshold: 'soon' is not a time span (hh:mm:ss, or d.hh:mm:ss)",
            "Broker:AllowSimulation: 'maybe' is not true or false",
            "Broker:MaxJobAge: 'abc' is not a time span (hh:mm:ss, or d.hh:mm:ss)",
            "Node:Db must be sqlite or postgres, got 'oracle'",
            "Node:Listen 'nope' is not an absolute URL (e.g. http://127.0.0.1:8547)",
            "Broker:MaxImageMemoryBytes must be in 1..1073741824, got 0",
        ], e.Errors);
    }

    [Fact]
    public void A_key_given_twice_by_flags_takes_the_later_value()
    {
        var o = NodeConfiguration.LoadFromArgs(["--agents", "1", "--Node:Agents=3", "--allow-simulation", "--Broker:AllowSimulation=false"], NoEnvironment);
        Assert.Equal(3, o.Agents);
        Assert.False(o.Broker.AllowSimulation);
    }

    [Fact]
    public void Postgres_with_a_connection_string_is_valid()
    {
        var o = NodeConfiguration.Load(null, Flags(("Node:Db", "postgres"), ("Node:Postgres:ConnectionString", "Host=db;Database=verity")), NoEnvironment);
        Assert.Equal("postgres", o.Db);
        Assert.Equal("Host=db;Database=verity", o.Postgres.ConnectionString);

        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(null,
            Flags(("Node:Db", "postgres"), ("Node:Postgres:ConnectionString", "Host=db;Pasword=hunter2secret;Port=x")), NoEnvironment));
        Assert.StartsWith("Node:Postgres:ConnectionString is malformed: ", e.Errors.Single());
        Assert.DoesNotContain("hunter2secret", e.Errors.Single());
    }

    [Fact]
    public void A_missing_or_malformed_config_file_is_an_error()
    {
        string missing = Path.Combine(_dir, "nope.json");
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(missing, null, NoEnvironment));
        Assert.Equal($"config file '{missing}' does not exist", e.Errors.Single());

        string broken = WriteConfig("{ \"Node\": { \"Agents\": 2, } ");
        var bad = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(broken, null, NoEnvironment));
        Assert.StartsWith($"cannot read config file '{broken}'", bad.Errors.Single());
    }

    [Fact]
    public void Args_map_flags_to_configuration_keys()
    {
        string file = WriteConfig("""{ "Node": { "Agents": 4 } }""");
        var o = NodeConfiguration.LoadFromArgs(
            ["--config", file, "--listen=http://127.0.0.1:9000", "--db", "sqlite", "--agents", "0", "--allow-simulation", "--Broker:MaxInputBytes=99",
             "--api-key", "flag-key-0123456789abcdef", "--agent-types", "execute,prove"], NoEnvironment);
        Assert.Equal("http://127.0.0.1:9000", o.Listen);
        Assert.Equal(0, o.Agents);
        Assert.True(o.Broker.AllowSimulation);
        Assert.Equal(99, o.Broker.MaxInputBytes);
        Assert.Equal(["flag-key-0123456789abcdef"], o.ApiKeys);
        Assert.Equal("execute,prove", o.AgentTypes);

        var fromFile = NodeConfiguration.LoadFromArgs(["--config", file], NoEnvironment);
        Assert.Equal(4, fromFile.Agents);
        Assert.False(fromFile.Broker.AllowSimulation);
    }

    [Fact]
    public void Bad_args_are_named()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.ParseArgs(["--lisen", "x", "stray", "--db"]));
        Assert.Equal(3, e.Errors.Count); // "x" is taken as the unknown flag's value
        Assert.StartsWith("unknown flag '--lisen'", e.Errors[0]);
        Assert.StartsWith("unexpected argument 'stray'", e.Errors[1]);
        Assert.Equal("flag '--db' needs a value", e.Errors[2]);
    }

    [Fact]
    public void Secrets_are_created_once_private_and_reused()
    {
        string dataDir = Path.Combine(_dir, "data");
        Assert.Null(NodeSecrets.TryLoad(dataDir));
        var first = NodeSecrets.LoadOrCreate(dataDir);
        string path = NodeSecrets.PathIn(dataDir);
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Matches("^[0-9a-f]{64}$", first.ApiKey);
        Assert.Matches("^[0-9a-f]{64}$", first.AgentToken);
        Assert.NotEqual(first.ApiKey, first.AgentToken);

        Assert.Equal(first, NodeSecrets.LoadOrCreate(dataDir));
        Assert.Equal(first, NodeSecrets.TryLoad(dataDir));
        Assert.Single(Directory.GetFiles(dataDir));
    }

    [Fact]
    public void Secrets_fill_in_only_what_is_not_configured()
    {
        string dataDir = Path.Combine(_dir, "apply");
        var configured = new NodeOptions { DataDir = dataDir, ApiKeys = ["mine-0123456789abcdef"], AgentToken = "token-0123456789abcdef" };
        Assert.Same(configured, NodeSecrets.Apply(configured));
        Assert.False(File.Exists(NodeSecrets.PathIn(dataDir)));

        var half = NodeSecrets.Apply(configured with { AgentToken = null });
        var stored = NodeSecrets.TryLoad(dataDir)!;
        Assert.Equal(["mine-0123456789abcdef"], half.ApiKeys);
        Assert.Equal(stored.AgentToken, half.AgentToken);

        var none = NodeSecrets.Apply(configured with { ApiKeys = [], AgentToken = null });
        Assert.Equal([stored.ApiKey], none.ApiKeys);
    }

    [Fact]
    public void A_corrupt_secrets_file_is_named()
    {
        string dataDir = Path.Combine(_dir, "corrupt");
        Directory.CreateDirectory(dataDir);
        File.WriteAllText(NodeSecrets.PathIn(dataDir), "{\"apiKey\":\"\"}");
        var e = Assert.Throws<InvalidDataException>(() => NodeSecrets.TryLoad(dataDir));
        Assert.Contains("secrets.json is not a secrets file", e.Message);
    }
}
