namespace Verity.Chain.Rpc;

/// <summary>
/// An Ethereum JSON-RPC URL and the form of it that may be shown. Hosted providers put an API key in the path
/// (<c>/v2/&lt;key&gt;</c>), the query or the user info, so messages and logs name only scheme, host and port.
/// </summary>
public sealed class RpcEndpoint
{
    private RpcEndpoint(Uri uri)
    {
        Uri = uri;
        Display = $"{uri.Scheme}://{(uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost)}:{uri.Port}";
    }

    /// <summary>The full URL, secrets included: for the HTTP client only.</summary>
    public Uri Uri { get; }

    /// <summary>scheme://host:port: safe for messages and logs.</summary>
    public string Display { get; }

    /// <summary>Parses an http(s) URL; the error never repeats the URL (it may hold a key).</summary>
    /// <exception cref="FormatException">not an absolute http or https URL.</exception>
    public static RpcEndpoint Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException("the Ethereum RPC URL is not an absolute URL (expected http://host:port/… or https://…)");
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw new FormatException(
                $"the Ethereum RPC URL must be http:// or https://, not {uri.Scheme}:// (WebSocket endpoints are not supported)");
        return new RpcEndpoint(uri);
    }

    /// <summary>Redacts a URL for display without failing on a bad one.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host)
            ? new RpcEndpoint(uri).Display
            : "(unparsable URL)";

    public override string ToString() => Display;
}
