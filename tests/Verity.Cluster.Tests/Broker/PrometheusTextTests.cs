using Verity.Cluster.Broker;

namespace Verity.Cluster.Tests.Broker;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Label_values_and_help_are_escaped_and_parse_back()
    {
        const string nasty = "a\\b\"c\nd";
        string text = new PrometheusText()
            .Family("x_total", "counter", "Help with \\ and\nnewline.")
            .Sample("x_total", 3, ("agent", nasty), ("type", "prove"))
            .ToString();

        Assert.Contains("x_total{agent=\"a\\\\b\\\"c\\nd\",type=\"prove\"} 3\n", text);
        Assert.Contains("# HELP x_total Help with \\\\ and\\nnewline.\n", text);
        var scrape = PrometheusParser.Parse(text);
        Assert.Equal("Help with \\ and\nnewline.", scrape.Help["x_total"]);
        Assert.Equal("counter", scrape.Types["x_total"]);
        var sample = Assert.Single(scrape.Samples);
        Assert.Equal(nasty, sample.Labels["agent"]);
        Assert.Equal(3, sample.Value);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.01, "0.01")]
    [InlineData(3600, "3600")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e21, "1E+21")]
    public void Values_use_the_formats_spelling(double value, string expected) =>
        Assert.Equal(expected, PrometheusText.FormatValue(value));

    [Theory]
    [InlineData("9lives")]
    [InlineData("a-b")]
    [InlineData("")]
    [InlineData("é")]
    public void Bad_metric_names_are_rejected(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new PrometheusText().Family(name, "gauge", "h"));
        Assert.Contains("metric name", e.Message);
    }

    [Fact]
    public void Bad_label_names_and_types_are_rejected()
    {
        Assert.Contains("label name", Assert.Throws<ArgumentException>(() => new PrometheusText().Sample("ok", 1, ("a:b", "v"))).Message);
        Assert.Contains("metric type", Assert.Throws<ArgumentException>(() => new PrometheusText().Family("ok", "meter", "h")).Message);
        // Colons are allowed in metric names (recording rules use them).
        Assert.Equal("a:b 1\n", new PrometheusText().Sample("a:b", 1).ToString());
    }
}
