using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Verity.Node.Tests;

/// <summary>/health and /metrics: no auth, the store's state, and Prometheus text that parses.</summary>
public sealed partial class HealthAndMetricsTests
{
    [Fact]
    public async Task Health_is_ok_while_the_store_answers_and_503_when_it_does_not()
    {
        await using var node = await TestNode.StartAsync();
        using (var ok = await node.Client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("\"status\":\"ok\"", await ok.Content.ReadAsStringAsync());
        }
        node.Store.Unavailable = true;
        using var down = await node.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        string body = await down.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":\"unavailable\"", body);
        Assert.Contains("the test store is unavailable", body);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_that_parses()
    {
        await using var node = await TestNode.StartAsync();
        await node.CreateJobAsync();
        using (await node.SendAsync(HttpMethod.Get, "/v1/jobs/0123", apiKey: null)) { }

        using var response = await node.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var samples = ParsePrometheus(await response.Content.ReadAsStringAsync());

        Assert.Equal(1, samples["verity_node_store_up"]);
        Assert.Equal(1, samples["verity_node_http_requests_total{code=\"401\",surface=\"api\"}"]);
        Assert.True(samples["verity_node_http_requests_total{code=\"201\",surface=\"api\"}"] >= 3);
        Assert.True(samples["verity_node_start_time_seconds"] > 1.6e9);
    }

    [Fact]
    public async Task Metrics_still_answer_with_the_store_down()
    {
        await using var node = await TestNode.StartAsync();
        node.Store.Unavailable = true;
        using var response = await node.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var samples = ParsePrometheus(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, samples["verity_node_store_up"]);
    }

    [Fact]
    public async Task Embedded_agent_counts_appear_when_agents_run()
    {
        await using var node = await TestNode.StartAsync(o => o with { Agents = 1 });
        using var response = await node.Client.GetAsync("/metrics");
        var samples = ParsePrometheus(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, samples["verity_node_embedded_agent_tasks_total{outcome=\"failed\"}"]);
    }

    [Fact]
    public void The_parser_rejects_samples_without_a_declared_family() =>
        Assert.Throws<Xunit.Sdk.TrueException>(() => ParsePrometheus("# HELP a x\n# TYPE a gauge\na 1\nb 2\n"));

    /// <summary>
    /// Checks the text exposition format (0.0.4): HELP and TYPE lines precede each family's samples, names and labels
    /// are well formed, values are numbers, no sample repeats. Returns the samples keyed by name and labels.
    /// </summary>
    internal static Dictionary<string, double> ParsePrometheus(string text)
    {
        Assert.EndsWith("\n", text);
        var types = new Dictionary<string, string>();
        var helps = new HashSet<string>();
        var samples = new Dictionary<string, double>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var m = HelpLine().Match(line);
                Assert.True(m.Success, $"bad HELP line: {line}");
                Assert.True(helps.Add(m.Groups[1].Value), $"second HELP for {m.Groups[1].Value}");
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var m = TypeLine().Match(line);
                Assert.True(m.Success, $"bad TYPE line: {line}");
                Assert.True(types.TryAdd(m.Groups[1].Value, m.Groups[2].Value), $"second TYPE for {m.Groups[1].Value}");
                continue;
            }
            Assert.False(line.StartsWith('#'), $"unexpected comment: {line}");
            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"bad sample line: {line}");
            string name = sample.Groups[1].Value;
            string family = types.ContainsKey(name) ? name : FamilyOf(name);
            Assert.True(types.ContainsKey(family), $"sample {name} has no TYPE line before it");
            Assert.True(helps.Contains(family), $"sample {name} has no HELP line");
            string value = sample.Groups[3].Value;
            double v = value switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.Parse(value, CultureInfo.InvariantCulture) };
            Assert.True(samples.TryAdd(PrometheusSamples.Key(name + sample.Groups[2].Value), v), $"repeated sample: {line}");
        }
        return samples;
    }

    private static string FamilyOf(string sampleName)
    {
        foreach (string suffix in new[] { "_sum", "_count", "_bucket", "_total" })
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal)) return sampleName[..^suffix.Length];
        return sampleName;
    }

    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*"",?)*\})? (\S+)( -?\d+)?$")]
    private static partial Regex SampleLine();
}
