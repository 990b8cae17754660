using System.Collections;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;

namespace Verity.Node.Configuration;

/// <summary>
/// Loads <see cref="NodeOptions"/> with Microsoft.Extensions.Configuration from, in increasing precedence: the
/// defaults, an optional JSON file (<c>--config path</c>), environment variables prefixed <c>VERITY_</c>
/// (<c>VERITY_Node__DataDir</c>, <c>VERITY_Broker__MaxImageBytes</c>; lists by index: <c>VERITY_Node__ApiKeys__0</c>)
/// and flags. The node's settings are section "Node", the broker's section "Broker".
/// </summary>
public static class NodeConfiguration
{
    public const string EnvironmentPrefix = "VERITY_";
    public const string NodeSection = "Node";
    public const string BrokerSection = "Broker";

    /// <summary>
    /// The flags <see cref="ParseArgs"/> knows and the configuration key each sets. Any other setting can be given
    /// by its key: <c>--Broker:MaxImageBytes=1000</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> FlagKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "Node:DataDir",
        ["--db"] = "Node:Db",
        ["--postgres"] = "Node:Postgres:ConnectionString",
        ["--blobs"] = "Node:Blobs",
        ["--s3-url"] = "Node:S3:ServiceUrl",
        ["--s3-bucket"] = "Node:S3:Bucket",
        ["--s3-region"] = "Node:S3:Region",
        ["--agents"] = "Node:Agents",
        ["--agent-types"] = "Node:AgentTypes",
        ["--listen"] = "Node:Listen",
        ["--api-key"] = "Node:ApiKeys:0",
        ["--agent-token"] = "Node:AgentToken",
        ["--otlp-endpoint"] = "Node:OtlpEndpoint",
        ["--aztec-listen"] = "Node:Aztec:Listen",
        ["--allow-simulation"] = "Broker:AllowSimulation",
    };

    /// <summary>Flags that may stand alone, meaning "true".</summary>
    private static readonly HashSet<string> SwitchFlags = ["--allow-simulation"];

    /// <summary>Whether <paramref name="flag"/> may stand alone, meaning "true" (<c>--allow-simulation</c>).</summary>
    public static bool IsSwitch(string flag) => SwitchFlags.Contains(flag);

    /// <summary>Parses command-line arguments and loads the options (see <see cref="ParseArgs"/> and <see cref="Load"/>).</summary>
    /// <exception cref="NodeConfigurationException">Unknown flags, an unreadable file, or invalid settings.</exception>
    public static NodeOptions LoadFromArgs(IReadOnlyList<string> args, IDictionary? environment = null)
    {
        var (configFile, flags) = ParseArgs(args);
        return Load(configFile, flags, environment);
    }

    /// <summary>
    /// Splits arguments into the config file (<c>--config path</c>) and flag settings as configuration keys:
    /// <c>--listen URL</c>, <c>--listen=URL</c>, <c>--Node:Agents=2</c>; <c>--allow-simulation</c> alone means true.
    /// </summary>
    /// <exception cref="NodeConfigurationException">An unknown flag or a flag without its value.</exception>
    public static (string? ConfigFile, IReadOnlyList<KeyValuePair<string, string?>> Flags) ParseArgs(IReadOnlyList<string> args)
    {
        string? configFile = null;
        var flags = new List<KeyValuePair<string, string?>>();
        var errors = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                errors.Add($"unexpected argument '{arg}' (settings are flags: --listen URL, --Node:Agents=2, ...)");
                continue;
            }
            int eq = arg.IndexOf('=');
            string name = eq < 0 ? arg : arg[..eq];
            string? value = eq < 0 ? null : arg[(eq + 1)..];
            string? key = name == "--config" ? null
                : FlagKeys.TryGetValue(name, out var mapped) ? mapped
                : name.Contains(':') ? name[2..]
                : null;
            if (key == null && name != "--config")
            {
                errors.Add($"unknown flag '{name}' (known: --config, {string.Join(", ", FlagKeys.Keys)}, or --Section:Key=value)");
                // Skip its value too, so one typo gives one error.
                if (eq < 0 && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) i++;
                continue;
            }
            if (value == null)
            {
                bool next = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
                if (next) value = args[++i];
                else if (SwitchFlags.Contains(name)) value = "true";
                else
                {
                    errors.Add($"flag '{name}' needs a value");
                    continue;
                }
            }
            if (key == null) configFile = value;
            else flags.Add(new(key, value));
        }
        if (errors.Count > 0) throw new NodeConfigurationException(errors);
        return (configFile, flags);
    }

    /// <summary>Builds the configuration (defaults &lt; file &lt; environment &lt; flags) and binds and validates the options.</summary>
    /// <param name="configFile">A JSON file, or null for none. A path that does not exist is an error.</param>
    /// <param name="flags">Settings from flags, as configuration keys ("Node:Listen").</param>
    /// <param name="environment">The environment variables (default: the process's).</param>
    /// <exception cref="NodeConfigurationException">An unreadable file, a value of the wrong type, an unknown key, or invalid settings.</exception>
    public static NodeOptions Load(string? configFile, IEnumerable<KeyValuePair<string, string?>>? flags = null, IDictionary? environment = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile != null)
        {
            string path = Path.GetFullPath(configFile);
            if (!File.Exists(path)) throw new NodeConfigurationException([$"config file '{path}' does not exist"]);
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        builder.AddInMemoryCollection(EnvironmentSettings(environment ?? Environment.GetEnvironmentVariables()));
        // A key given twice (--agents 1 --Node:Agents=2): the later one wins, as later sources beat earlier ones.
        if (flags != null)
            builder.AddInMemoryCollection(flags.GroupBy(f => f.Key, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()));

        IConfigurationRoot config;
        try { config = builder.Build(); }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            // A JSON syntax error: the provider names the file and the line.
            throw new NodeConfigurationException([$"cannot read config file '{configFile}': {e.Message}"]);
        }
        // Every problem at once: values of the wrong type, then the checks of everything else.
        var errors = new List<string>();
        var options = Bind(config, errors);
        errors.AddRange(Validate(options));
        if (errors.Count > 0) throw new NodeConfigurationException(errors);
        return options;
    }

    /// <summary>Binds sections "Node" and "Broker" (unknown keys are errors, so typos do not go unnoticed).</summary>
    /// <exception cref="NodeConfigurationException">A value of the wrong type or an unknown key.</exception>
    public static NodeOptions Bind(IConfiguration config)
    {
        var errors = new List<string>();
        var options = Bind(config, errors);
        if (errors.Count > 0) throw new NodeConfigurationException(errors);
        return options;
    }

    /// <summary>Binds what binds, adding one error per setting that does not; those keep their defaults.</summary>
    private static NodeOptions Bind(IConfiguration config, List<string> errors)
    {
        if (config.GetSection(NodeSection).GetSection("Broker").Exists())
            errors.Add("broker settings go in the top-level section \"Broker\", not \"Node:Broker\"");
        var node = BindSection<NodeOptions>(config, NodeSection, errors);
        var broker = BindSection<BrokerOptions>(config, BrokerSection, errors);
        return Normalize(node with { Broker = broker });
    }

    private static T BindSection<T>(IConfiguration config, string section, List<string> errors) where T : class, new()
    {
        var settings = config.GetSection(section);
        try { return Get<T>(settings); }
        catch (InvalidOperationException)
        {
            // The binder stops at the first bad value: bind each setting alone so that every bad one is named, and
            // bind the good ones together so that they are still checked.
            var good = new List<KeyValuePair<string, string?>>();
            foreach (var setting in settings.GetChildren())
            {
                var pairs = setting.AsEnumerable().Where(kv => kv.Value != null).ToList();
                try
                {
                    Get<T>(new ConfigurationBuilder().AddInMemoryCollection(pairs).Build().GetSection(section));
                    good.AddRange(pairs);
                }
                catch (InvalidOperationException e) { errors.Add(DescribeBindError(e, section, setting)); }
            }
            try { return Get<T>(new ConfigurationBuilder().AddInMemoryCollection(good).Build().GetSection(section)); }
            catch (InvalidOperationException) { return new T(); }
        }
    }

    private static T Get<T>(IConfigurationSection section) where T : class, new() =>
        section.Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();

    /// <summary>
    /// The binder's message, shortened to the setting and the problem: "Node:Agents: 'abc' is not an integer",
    /// "unknown setting 'Node:Agentz'". Messages of other shapes are kept whole, on one line.
    /// </summary>
    private static string DescribeBindError(InvalidOperationException e, string section, IConfigurationSection setting)
    {
        var convert = System.Text.RegularExpressions.Regex.Match(e.Message, @"^Failed to convert configuration value '(.*)' at '(.*)' to type '(.*)'\.$",
            System.Text.RegularExpressions.RegexOptions.Singleline);
        if (convert.Success)
        {
            string type = convert.Groups[3].Value switch
            {
                "System.Int32" or "System.Int64" => "an integer",
                "System.Double" => "a number",
                "System.Boolean" => "true or false",
                "System.TimeSpan" => "a time span (hh:mm:ss, or d.hh:mm:ss)",
                var t => $"a {t}",
            };
            return $"{convert.Groups[2].Value}: '{convert.Groups[1].Value}' is not {type}".ReplaceLineEndings(" ");
        }
        var unknown = System.Text.RegularExpressions.Regex.Match(e.Message, @"were not found on the instance of [\w.+]+: (.*)$");
        if (unknown.Success)
        {
            var names = unknown.Groups[1].Value.Split(", ").Select(n => n.Trim('\''));
            string parent = names.Contains(setting.Key) ? section : setting.Path;
            return "unknown setting " + string.Join(", ", names.Select(n => $"'{parent}:{n}'"));
        }
        return (e.InnerException != null ? $"{e.Message} ({e.InnerException.Message})" : e.Message).ReplaceLineEndings(" ");
    }

    /// <summary>Expands "~/" in the data dir, makes it absolute, and lowercases the enumerated choices.</summary>
    private static NodeOptions Normalize(NodeOptions o)
    {
        string dir = o.DataDir.Trim();
        if (dir == "~" || dir.StartsWith("~/", StringComparison.Ordinal))
            dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), dir.Length > 2 ? dir[2..] : "");
        return o with
        {
            DataDir = dir.Length == 0 ? "" : Path.GetFullPath(dir),
            Db = o.Db.Trim().ToLowerInvariant(),
            Blobs = o.Blobs.Trim().ToLowerInvariant(),
            ApiKeys = o.ApiKeys.ToArray(),
        };
    }

    /// <summary>VERITY_A__B=v becomes the key "A:B" (as the standard environment provider does, but from any dictionary).</summary>
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentSettings(IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            string key = name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
            if (key.Length > 0) yield return new(key, entry.Value as string);
        }
    }

    /// <summary>Every problem with the options, one message each (empty when they are valid).</summary>
    public static IReadOnlyList<string> Validate(NodeOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.DataDir)) errors.Add("Node:DataDir is empty");

        switch (o.Db)
        {
            case "sqlite": break;
            case "postgres":
                if (string.IsNullOrWhiteSpace(o.Postgres.ConnectionString)) errors.Add("Node:Db is postgres, which needs Node:Postgres:ConnectionString");
                else
                {
                    // Not echoed: it may hold a password.
                    try { _ = new Npgsql.NpgsqlConnectionStringBuilder(o.Postgres.ConnectionString); }
                    catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
                    {
                        errors.Add($"Node:Postgres:ConnectionString is malformed: {e.Message}");
                    }
                }
                break;
            default: errors.Add($"Node:Db must be sqlite or postgres, got '{o.Db}'"); break;
        }

        switch (o.Blobs)
        {
            case "fs": break;
            case "s3":
                if (string.IsNullOrWhiteSpace(o.S3.Bucket)) errors.Add("Node:Blobs is s3, which needs Node:S3:Bucket");
                // The S3 blob store talks to the endpoint it is given (AWS too: https://s3.<region>.amazonaws.com).
                if (o.S3.ServiceUrl == null) errors.Add("Node:Blobs is s3, which needs Node:S3:ServiceUrl (for AWS: https://s3.<region>.amazonaws.com)");
                else CheckUrl(errors, "Node:S3:ServiceUrl", o.S3.ServiceUrl, allowHttps: true);
                if (string.IsNullOrWhiteSpace(o.S3.Region)) errors.Add("Node:S3:Region is empty");
                if (string.IsNullOrEmpty(o.S3.AccessKey) != string.IsNullOrEmpty(o.S3.SecretKey))
                    errors.Add("Node:S3:AccessKey and Node:S3:SecretKey go together: set both or neither");
                break;
            default: errors.Add($"Node:Blobs must be fs or s3, got '{o.Blobs}'"); break;
        }

        if (o.Name is { } nodeName && (nodeName.Length is 0 or > 100 || nodeName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            errors.Add($"Node:Name '{nodeName}' must be 1 to 100 characters without spaces");
        if (o.Agents < 0) errors.Add($"Node:Agents must be 0 or more, got {o.Agents}");
        else if (o.Agents > 256) errors.Add($"Node:Agents {o.Agents} is more than 256 embedded workers");
        try { TaskTypes.ParseList(o.AgentTypes); }
        catch (FormatException e) { errors.Add($"Node:AgentTypes: {e.Message}"); }

        if (CheckUrl(errors, "Node:Listen", o.Listen, allowHttps: false) is { } listen && listen.AbsolutePath != "/")
            errors.Add($"Node:Listen '{o.Listen}' has a path; give only scheme, host and port");

        for (int i = 0; i < o.ApiKeys.Count; i++) CheckSecret(errors, $"Node:ApiKeys:{i}", o.ApiKeys[i]);
        if (o.AgentToken != null) CheckSecret(errors, "Node:AgentToken", o.AgentToken);
        if (o.OtlpEndpoint != null) CheckUrl(errors, "Node:OtlpEndpoint", o.OtlpEndpoint, allowHttps: true);

        CheckRange(errors, "Node:MaxAgentBlobBytes", o.MaxAgentBlobBytes, 1, Array.MaxLength);
        CheckPositive(errors, "Node:SlowRequestThreshold", o.SlowRequestThreshold);
        CheckPositive(errors, "Node:SqliteBusyTimeout", o.SqliteBusyTimeout);
        if (o.SqliteBusyTimeout > TimeSpan.FromHours(1)) errors.Add($"Node:SqliteBusyTimeout {o.SqliteBusyTimeout} is more than an hour");
        ValidateBroker(errors, o.Broker);
        errors.AddRange(o.Aztec.Validate());
        return errors;
    }

    private static void ValidateBroker(List<string> errors, BrokerOptions b)
    {
        CheckRange(errors, "Broker:MaxImageBytes", b.MaxImageBytes, 1, Array.MaxLength);
        CheckRange(errors, "Broker:MaxImageMemoryBytes", b.MaxImageMemoryBytes, 1, Vm.ElfLoader.MaxImageBytes);
        CheckRange(errors, "Broker:MaxInputBytes", b.MaxInputBytes, 1, Array.MaxLength);
        CheckNonNegative(errors, "Broker:ReceiptRetention", b.ReceiptRetention);
        CheckNonNegative(errors, "Broker:JobRetention", b.JobRetention);
        CheckPositive(errors, "Broker:MaxJobAge", b.MaxJobAge);
        CheckPositive(errors, "Broker:LeaseCheckInterval", b.LeaseCheckInterval);
        CheckPositive(errors, "Broker:CleanupInterval", b.CleanupInterval);
        CheckPositive(errors, "Broker:LiveAgentWindow", b.LiveAgentWindow);
        foreach (var type in TaskTypes.All)
        {
            var p = b.Policies.For(type);
            string name = $"Broker:Policies:{type}";
            CheckPositive(errors, $"{name}:HeartbeatTimeout", p.HeartbeatTimeout);
            CheckPositive(errors, $"{name}:MaxDuration", p.MaxDuration);
            CheckNonNegative(errors, $"{name}:RetryBackoff", p.RetryBackoff);
            if (p.MaxAttempts < 1) errors.Add($"{name}:MaxAttempts must be at least 1, got {p.MaxAttempts}");
            if (p.MaxInterruptions < 1) errors.Add($"{name}:MaxInterruptions must be at least 1, got {p.MaxInterruptions}");
            if (p.MaxRepairs < 0) errors.Add($"{name}:MaxRepairs must be 0 or more, got {p.MaxRepairs}");
        }
        CheckRange(errors, "Broker:MaxSegmentsPerJob", b.MaxSegmentsPerJob, 1, 1 << 20);
        CheckRange(errors, "Broker:MaxJournalBytes", b.MaxJournalBytes, 0, int.MaxValue / 2);
        CheckNonNegative(errors, "Broker:RowRetention", b.RowRetention);
    }

    private static Uri? CheckUrl(List<string> errors, string name, string value, bool allowHttps)
    {
        string schemes = allowHttps ? "http or https" : "http (terminate TLS in a reverse proxy)";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            errors.Add($"{name} '{value}' is not an absolute URL (e.g. http://127.0.0.1:8547)");
            return null;
        }
        if (uri.Scheme != Uri.UriSchemeHttp && !(allowHttps && uri.Scheme == Uri.UriSchemeHttps))
        {
            errors.Add($"{name} '{value}' must use {schemes}, not {uri.Scheme}");
            return null;
        }
        return uri;
    }

    private static void CheckSecret(List<string> errors, string name, string value)
    {
        if (value.Length < 16) errors.Add($"{name} is {value.Length} characters; secrets need at least 16");
        else if (value.Any(char.IsWhiteSpace) || value.Any(char.IsControl)) errors.Add($"{name} contains whitespace or control characters");
    }

    private static void CheckRange(List<string> errors, string name, long value, long min, long max)
    {
        if (value < min || value > max) errors.Add($"{name} must be in {min}..{max}, got {value}");
    }

    private static void CheckPositive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) errors.Add($"{name} must be positive, got {value}");
    }

    private static void CheckNonNegative(List<string> errors, string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero) errors.Add($"{name} must not be negative, got {value}");
    }
}
