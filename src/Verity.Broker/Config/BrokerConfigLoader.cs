using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tomlyn.Parsing;
using Tomlyn.Syntax;
using Verity.Market.Requests;

namespace Verity.Broker.Config;

/// <summary>
/// Reads broker.toml (docs/BROKER.md §5) through Tomlyn's syntax tree, so every problem names its line: all problems
/// are collected and thrown together (<see cref="BrokerConfigException"/>); unknown sections and keys are warnings.
/// Keys absent from the file keep <see cref="BrokerConfig"/>'s defaults.
/// </summary>
public static partial class BrokerConfigLoader
{
    /// <summary>Reads and checks the file at <paramref name="path"/>.</summary>
    /// <exception cref="BrokerConfigException">The file is missing or unreadable, or has problems (all listed).</exception>
    public static (BrokerConfig Config, IReadOnlyList<string> Warnings) Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BrokerConfigException([$"{path}: no such file (docs/broker.example.toml lists every key with its default)"]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrokerConfigException([$"{path}: cannot be read: {e.Message}"]);
        }
        return Parse(text, Path.GetFileName(path));
    }

    /// <summary>Parses and checks broker.toml text; <paramref name="fileName"/> starts each problem and warning.</summary>
    /// <exception cref="BrokerConfigException">The text has problems (all listed).</exception>
    public static (BrokerConfig Config, IReadOnlyList<string> Warnings) Parse(string text, string fileName = "broker.toml")
    {
        ArgumentNullException.ThrowIfNull(text);
        var doc = SyntaxParser.Parse(text, fileName, validate: true);
        if (doc.HasErrors)
            throw new BrokerConfigException([.. doc.Diagnostics
                .Where(d => d.Kind == DiagnosticMessageKind.Error)
                .Select(d => $"{fileName}:{d.Span.Start.Line + 1}: {d.Message}")]);

        var problems = new List<string>();
        var warnings = new List<string>();
        var sections = new Dictionary<string, object>
        {
            ["market"] = new MarketConfig(), ["prover"] = new ProverConfig(), ["batcher"] = new BatcherConfig(),
        };
        var lines = new Dictionary<ConfigKey, (int Line, string Name)>();

        foreach (var kv in doc.KeyValues)
            warnings.Add($"{fileName}:{LineOf(kv)}: {KeyText(kv.Key)}: unknown key outside a section (ignored; keys go under [market], [prover] or [batcher])");
        foreach (var table in doc.Tables)
        {
            string name = KeyText(table.Name);
            int tableLine = LineOf(table);
            if (table is TableArraySyntax || !sections.TryGetValue(name, out var target))
            {
                warnings.Add($"{fileName}:{tableLine}: [{name}]: unknown section (ignored; the sections are [market], [prover] and [batcher])");
                continue;
            }
            foreach (var kv in table.Items)
            {
                string keyName = KeyText(kv.Key);
                int line = LineOf(kv);
                var key = kv.Key?.DotKeys.ChildrenCount > 0 ? null : BrokerConfigKeys.Find(name, keyName);
                if (key is null)
                {
                    warnings.Add($"{fileName}:{line}: [{name}] {keyName}: unknown key (ignored)");
                    continue;
                }
                if (lines.TryGetValue(key, out var earlier))
                {
                    problems.Add($"{fileName}:{line}: [{name}] {keyName}: set again (line {earlier.Line} set {earlier.Name})");
                    continue;
                }
                lines[key] = (line, keyName);
                var (value, problem) = Read(key, kv.Value);
                if (problem is not null) problems.Add($"{fileName}:{line}: [{name}] {keyName}: {problem}");
                else key.PropertyInfo.SetValue(target, value);
            }
        }

        var config = new BrokerConfig
        {
            Market = (MarketConfig)sections["market"], Prover = (ProverConfig)sections["prover"], Batcher = (BatcherConfig)sections["batcher"],
        };
        CheckTogether(config, lines, fileName, problems);
        if (problems.Count > 0) throw new BrokerConfigException(problems);
        return (config, warnings);
    }

    /// <summary>Limits that involve two keys; the problem is reported on the line of the key that was set.</summary>
    private static void CheckTogether(BrokerConfig c, Dictionary<ConfigKey, (int Line, string Name)> lines, string fileName, List<string> problems)
    {
        void Order<T>(string low, string high, T? lowValue, T? highValue, string what) where T : struct, IComparable<T>
        {
            if (lowValue is not T l || highValue is not T h || l.CompareTo(h) <= 0) return;
            var lowKey = BrokerConfigKeys.All.First(k => k.Name == low);
            var highKey = BrokerConfigKeys.All.First(k => k.Name == high);
            var (key, other, value) = lines.ContainsKey(lowKey) ? (lowKey, highKey, (object)h) : (highKey, lowKey, l);
            string line = lines.TryGetValue(key, out var at) ? at.Line.ToString(CultureInfo.InvariantCulture) : "?";
            string relation = key == lowKey ? "≤" : "≥";
            problems.Add($"{fileName}:{line}: [{key.Section}] {key.Name}: must be {relation} {other.Name} ({value}){what}");
        }
        var m = c.Market;
        Order<long>("min_mcycle_limit", "max_mcycle_limit", m.MinMcycleLimit, m.MaxMcycleLimit, "");
        Order<int>("min_batch_size", "max_batch_size", c.Batcher.MinBatchSize, c.Batcher.MaxBatchSize, "");
        Order("balance_error_threshold", "balance_warn_threshold", m.BalanceErrorThreshold, m.BalanceWarnThreshold,
            ": the error threshold is the lower one");
        Order("collateral_balance_error_threshold", "collateral_balance_warn_threshold", m.CollateralBalanceErrorThreshold,
            m.CollateralBalanceWarnThreshold, ": the error threshold is the lower one");
    }

    /// <summary>The value for <paramref name="key"/>'s property, or what is wrong with it.</summary>
    private static (object? Value, string? Problem) Read(ConfigKey key, ValueSyntax? value)
    {
        var type = Nullable.GetUnderlyingType(key.PropertyInfo.PropertyType) ?? key.PropertyInfo.PropertyType;
        switch (key.Kind)
        {
            case ConfigValueKind.Integer:
                if (value is not IntegerValueSyntax i) return (null, $"must be an integer, not {Describe(value)}");
                // A maximum that is only the property type's limit is not worth naming until it is passed.
                bool bounded = key.Max < int.MaxValue;
                if (i.Value < key.Min || i.Value > key.Max)
                    return (null, bounded ? $"must be between {key.Min} and {key.Max}, not {i.Value}"
                        : i.Value < key.Min ? $"must be ≥ {key.Min}, not {i.Value}" : $"must be ≤ {key.Max}, not {i.Value}");
                return (Convert.ChangeType(i.Value, type, CultureInfo.InvariantCulture), null);
            case ConfigValueKind.PositiveNumber:
                double d = value switch { IntegerValueSyntax n => n.Value, FloatValueSyntax f => f.Value, _ => double.NaN };
                if (value is not (IntegerValueSyntax or FloatValueSyntax)) return (null, $"must be a number, not {Describe(value)}");
                return double.IsFinite(d) && d > 0 ? (d, null) : (null, $"must be a positive number, not {NumberText(value)}");
            case ConfigValueKind.Boolean:
                return value is BooleanValueSyntax b ? (b.Value, null) : (null, $"must be true or false, not {Describe(value)}");
            case ConfigValueKind.Text:
                return value is StringValueSyntax { Value: { } s } && !string.IsNullOrWhiteSpace(s)
                    ? (s, null)
                    : (null, value is StringValueSyntax ? "must not be empty" : $"must be a string, not {Describe(value)}");
            case ConfigValueKind.EthAmount:
                return Amount(value, token: false);
            case ConfigValueKind.TokenAmount:
                return Amount(value, token: true);
            case ConfigValueKind.HttpUrl:
                if (value is not StringValueSyntax { Value: { } url }) return (null, $"must be a URL string, not {Describe(value)}");
                return Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                    ? (uri, null)
                    : (null, $"'{url}' is not an absolute http(s) URL");
            case ConfigValueKind.Enum:
                var names = Enum.GetValues(type).Cast<object>().ToDictionary(v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()!), v => v);
                if (value is StringValueSyntax { Value: { } e } && names.TryGetValue(e, out var member)) return (member, null);
                return (null, $"must be one of {string.Join(", ", names.Keys.Select(n => $"\"{n}\""))}, not {Shown(value)}");
            case ConfigValueKind.Addresses:
                if (value is not ArraySyntax array) return (null, $"must be an array of addresses, not {Describe(value)}");
                var addresses = new List<string>();
                int index = 0;
                foreach (var item in array.Items)
                {
                    index++;
                    if (item.Value is StringValueSyntax { Value: { } a } && AddressPattern().IsMatch(a)) addresses.Add(a.ToLowerInvariant());
                    else return (null, $"item {index} ({Shown(item.Value)}) is not an address (0x and 40 hex digits)");
                }
                return (addresses.ToArray(), null);
            default:
                throw new InvalidOperationException($"no reader for {key.Kind}");
        }
    }

    /// <summary>
    /// Wei ("0.00001 ETH", "2 gwei", "123 wei", bare number = ETH) or stake-token base units ("5 VSTK", "… wei", bare number
    /// = whole tokens), exact (EthAmount, never through a double): numbers are taken from their TOML text.
    /// </summary>
    private static (object? Value, string? Problem) Amount(ValueSyntax? value, bool token)
    {
        string? text = value switch
        {
            StringValueSyntax s => s.Value,
            IntegerValueSyntax or FloatValueSyntax => NumberText(value),
            _ => null,
        };
        string usage = token
            ? "write stake tokens as \"5 VSTK\" or a bare number of tokens, or base units as \"… wei\""
            : "write \"0.00001 ETH\", \"2 gwei\", \"123 wei\" or a bare number of ETH";
        if (text is null) return (null, $"must be an amount, not {Describe(value)} ({usage})");
        string t = text.Trim().Replace("_", "", StringComparison.Ordinal);
        string lower = t.ToLowerInvariant();
        string normalised;
        if (BareNumber().IsMatch(t)) normalised = t + " eth"; // a bare number: ETH, or whole tokens (18 decimals alike)
        else if (token && lower.EndsWith("vstk", StringComparison.Ordinal)) normalised = t[..^4].TrimEnd() + " eth";
        else if (token && !(lower.EndsWith("wei", StringComparison.Ordinal) && !lower.EndsWith("gwei", StringComparison.Ordinal)))
            return (null, $"'{text}' is not an amount of stake tokens ({usage})");
        else normalised = t;
        return EthAmount.TryParse(normalised, out var amount, out var problem)
            ? (amount, null)
            : (null, $"'{text}' is not an amount: {problem} ({usage})");
    }

    private static string NumberText(ValueSyntax? value) => value switch
    {
        IntegerValueSyntax i => i.Token?.Text ?? i.Value.ToString(CultureInfo.InvariantCulture),
        FloatValueSyntax f => f.Token?.Text ?? f.Value.ToString("R", CultureInfo.InvariantCulture),
        _ => Describe(value),
    };

    private static string Describe(ValueSyntax? value) => value switch
    {
        StringValueSyntax => "a string",
        IntegerValueSyntax => "an integer",
        FloatValueSyntax => "a float",
        BooleanValueSyntax => "a boolean",
        ArraySyntax => "an array",
        InlineTableSyntax => "a table",
        DateTimeValueSyntax => "a date-time",
        _ => "nothing",
    };

    private static string Shown(ValueSyntax? value) => value is StringValueSyntax { Value: { } s } ? $"\"{s}\"" : Describe(value);

    private static string KeyText(KeySyntax? key)
    {
        if (key is null) return "";
        var parts = new List<string> { Part(key.Key) };
        foreach (var dotted in key.DotKeys) parts.Add(Part(dotted.Key));
        return string.Join('.', parts);
    }

    private static string Part(BareKeyOrStringValueSyntax? part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };

    private static int LineOf(SyntaxNode node) => node.Span.Start.Line + 1;

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]*)?$|^\.[0-9]+$")]
    private static partial Regex BareNumber();
}
