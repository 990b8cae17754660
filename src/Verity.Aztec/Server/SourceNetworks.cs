using System.Net;

namespace Verity.Aztec.Server;

/// <summary>
/// Which source addresses may use the endpoint (<see cref="AztecOptions.AllowFrom"/>): CIDR blocks, plus the names
/// "loopback", "private" (loopback and the private ranges) and "any". Aztec's clients carry no credentials, so this
/// is the endpoint's only admission check.
/// </summary>
public sealed class SourceNetworks
{
    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    private static readonly IPNetwork[] Private =
    [
        .. Loopback,
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), // RFC 1918
        IPNetwork.Parse("100.64.0.0/10"),                                                                 // RFC 6598 (CGNAT)
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("fe80::/10"),                                  // link-local
        IPNetwork.Parse("fc00::/7"),                                                                      // RFC 4193
    ];

    private static readonly IPNetwork[] Any = [IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")];

    private readonly IPNetwork[] _allowed;

    private SourceNetworks(IPNetwork[] allowed) => _allowed = allowed;

    /// <summary>Parses the configured entries.</summary>
    /// <exception cref="ArgumentException">An entry is not a CIDR block or a known name.</exception>
    public static SourceNetworks Parse(IEnumerable<string> entries)
    {
        var all = new List<IPNetwork>();
        foreach (var entry in entries)
        {
            if (!TryParseEntry(entry, out var networks, out var error)) throw new ArgumentException(error, nameof(entries));
            all.AddRange(networks);
        }
        return new SourceNetworks([.. all]);
    }

    /// <summary>One entry: "loopback", "private", "any" or a CIDR block such as "10.1.0.0/16" or "fd00::/8".</summary>
    public static bool TryParseEntry(string? entry, out IPNetwork[] networks, out string error)
    {
        error = "";
        string text = entry?.Trim() ?? "";
        networks = text.ToLowerInvariant() switch
        {
            "loopback" => Loopback,
            "private" => Private,
            "any" => Any,
            _ => IPNetwork.TryParse(text, out var network) ? [network] : [],
        };
        if (networks.Length > 0) return true;
        error = $"'{entry}' is not a CIDR block (such as 10.0.0.0/8) or one of loopback, private, any";
        return false;
    }

    /// <summary>True when <paramref name="address"/> (IPv4-mapped IPv6 counts as IPv4) is in an allowed network.</summary>
    public bool Allows(IPAddress? address)
    {
        if (address is null) return false; // not a TCP connection we can place
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _allowed)
            if (network.Contains(address)) return true;
        return false;
    }
}
