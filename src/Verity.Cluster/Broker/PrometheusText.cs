using System.Globalization;
using System.Text;

namespace Verity.Cluster.Broker;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4 (prometheus-net is not available here): a metric family is
/// its <c># HELP</c> and <c># TYPE</c> lines followed by its samples. Escapes HELP text and label values as the
/// format requires and rejects names it does not allow.
/// </summary>
public sealed class PrometheusText
{
    /// <summary>The Content-Type of a /metrics response in this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    /// <summary>Starts a family: <paramref name="type"/> is counter, gauge, histogram, summary or untyped.</summary>
    public PrometheusText Family(string name, string type, string help)
    {
        CheckName(name, "metric");
        if (type is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
            throw new ArgumentException($"'{type}' is not a Prometheus metric type", nameof(type));
        _text.Append("# HELP ").Append(name).Append(' ');
        foreach (char c in help)
        {
            switch (c)
            {
                case '\\': _text.Append(@"\\"); break;
                case '\n': _text.Append(@"\n"); break;
                default: _text.Append(c); break;
            }
        }
        _text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>One sample line: <c>name{label="value",...} value</c>.</summary>
    public PrometheusText Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        CheckName(name, "metric");
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                var (label, labelValue) = labels[i];
                CheckName(label, "label");
                if (i > 0) _text.Append(',');
                _text.Append(label).Append("=\"");
                AppendLabelValue(labelValue);
                _text.Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(FormatValue(value)).Append('\n');
        return this;
    }

    public override string ToString() => _text.ToString();

    /// <summary>A sample value as the format spells it: +Inf, -Inf, NaN or a round-trippable number.</summary>
    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private void AppendLabelValue(string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': _text.Append(@"\\"); break;
                case '"': _text.Append("\\\""); break;
                case '\n': _text.Append(@"\n"); break;
                default: _text.Append(c); break;
            }
        }
    }

    /// <summary>Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*; label names the same without ':'.</summary>
    private static void CheckName(string name, string what)
    {
        bool colonOk = what == "metric";
        bool ok = name.Length > 0 && !char.IsAsciiDigit(name[0]);
        foreach (char c in name)
            ok &= char.IsAsciiLetterOrDigit(c) || c == '_' || (colonOk && c == ':');
        if (!ok) throw new ArgumentException($"'{name}' is not a valid Prometheus {what} name", nameof(name));
    }
}
