using System.Collections;
using System.Globalization;

namespace Verity.Broker.Config;

/// <summary>What differs between two configurations, key by key, as hot reload logs it.</summary>
public static class BrokerConfigDiff
{
    /// <summary>One line per changed key: <c>[market] mcycle_price: 10000000000000 → 20000000000000</c> (amounts in wei).</summary>
    public static IReadOnlyList<string> Changes(BrokerConfig before, BrokerConfig after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<string>();
        foreach (var key in BrokerConfigKeys.All)
        {
            string was = Format(key.PropertyInfo.GetValue(Section(before, key.Section)));
            string now = Format(key.PropertyInfo.GetValue(Section(after, key.Section)));
            if (was != now) changes.Add($"[{key.Section}] {key.Name}: {was} → {now}");
        }
        return changes;
    }

    private static object Section(BrokerConfig c, string section) => section switch
    {
        "market" => c.Market,
        "prover" => c.Prover,
        _ => c.Batcher,
    };

    private static string Format(object? value) => value switch
    {
        null => "unset",
        string s => $"\"{s}\"",
        // A quote service's credentials (user:password@) never reach the log.
        Uri u => string.IsNullOrEmpty(u.UserInfo) ? u.ToString() : u.ToString().Replace(u.UserInfo + "@", "***@", StringComparison.Ordinal),
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Format)) + "]",
        bool b => b ? "true" : "false",
        Enum e => $"\"{System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString())}\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
