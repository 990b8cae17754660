using System.Text.RegularExpressions;

namespace Verity.Node.Tests;

/// <summary>
/// The key a test looks a sample up by: its name and labels with the labels in name order and empty braces left out,
/// since the exporter writes labels sorted and an unlabelled sample as <c>name{}</c> (docs/METRICS.md); Prometheus
/// reads both forms as the same series.
/// </summary>
internal static partial class PrometheusSamples
{
    public static string Key(string nameAndLabels)
    {
        int brace = nameAndLabels.IndexOf('{', StringComparison.Ordinal);
        if (brace < 0) return nameAndLabels;
        var labels = Label().Matches(nameAndLabels[brace..]).Select(m => m.Value).Order(StringComparer.Ordinal).ToList();
        return labels.Count == 0 ? nameAndLabels[..brace] : $"{nameAndLabels[..brace]}{{{string.Join(',', labels)}}}";
    }

    [GeneratedRegex(@"[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*""")]
    private static partial Regex Label();
}
