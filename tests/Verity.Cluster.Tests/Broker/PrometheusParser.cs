using System.Globalization;
using System.Text;

namespace Verity.Cluster.Tests.Broker;

/// <summary>One sample line of a scrape.</summary>
internal sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4, written independently of the writer so the tests check the
/// format rather than the code against itself: every line must be a HELP, a TYPE or a well-formed sample.
/// </summary>
internal sealed class PrometheusParser
{
    public Dictionary<string, string> Help { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Types { get; } = new(StringComparer.Ordinal);
    public List<PromSample> Samples { get; } = [];

    public static PrometheusParser Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var scrape = new PrometheusParser();
        foreach (var line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                int space = rest.IndexOf(' ');
                Assert.True(space > 0, $"HELP without text: {line}");
                Assert.True(scrape.Help.TryAdd(rest[..space], UnescapeHelp(rest[(space + 1)..])), $"second HELP: {line}");
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.True(scrape.Help.ContainsKey(parts[2]), $"TYPE before HELP: {line}");
                Assert.True(scrape.Types.TryAdd(parts[2], parts[3]), $"second TYPE: {line}");
            }
            else
            {
                var sample = ParseSample(line);
                Assert.True(scrape.Types.ContainsKey(Family(sample.Name, scrape.Types)), $"sample before its TYPE line: {line}");
                scrape.Samples.Add(sample);
            }
        }
        return scrape;
    }

    /// <summary>The value of the one sample with this name and exactly these labels.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) =>
        Assert.Single(Samples, s => s.Name == name && s.Labels.Count == labels.Length
                                    && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Value;

    /// <summary>The family a sample belongs to (a histogram's _bucket, _sum and _count samples belong to it).</summary>
    public static string Family(string sampleName, IReadOnlyDictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal)
                && types.TryGetValue(sampleName[..^suffix.Length], out var t) && t == "histogram")
                return sampleName[..^suffix.Length];
        return sampleName;
    }

    private static PromSample ParseSample(string line)
    {
        int i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':')) i++;
        string name = line[..i];
        Assert.False(name.Length == 0, $"no metric name: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int start = i;
                while (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_') i++;
                string label = line[start..i];
                Assert.Equal("=\"", line.Substring(i, 2));
                i += 2;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape \\{line[i]} in: {line}"),
                        });
                    }
                    else value.Append(line[i]);
                    i++;
                }
                i++;
                Assert.True(labels.TryAdd(label, value.ToString()), $"label twice: {line}");
                if (line[i] == ',') i++;
            }
            i++;
        }
        Assert.Equal(' ', line[i]);
        string text = line[(i + 1)..];
        double number = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PromSample(name, labels, number);
    }

    /// <summary>HELP text escapes only backslash and newline.</summary>
    private static string UnescapeHelp(string text)
    {
        var result = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { result.Append(text[i]); continue; }
            char next = text[++i];
            result.Append(next switch
            {
                '\\' => '\\',
                'n' => '\n',
                _ => throw new FormatException($"bad escape \\{next} in: {text}"),
            });
        }
        return result.ToString();
    }
}
