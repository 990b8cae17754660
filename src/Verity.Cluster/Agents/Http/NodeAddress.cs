namespace Verity.Cluster.Agents.Http;

/// <summary>Checks a node URL and resolves the node's absolute routes against it (a path prefix is kept).</summary>
public static class NodeAddress
{
    /// <summary>The node's base address with a trailing slash.</summary>
    /// <exception cref="ArgumentException">Not an absolute http(s) URL.</exception>
    public static Uri Normalize(Uri node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!node.IsAbsoluteUri || (node.Scheme != Uri.UriSchemeHttp && node.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"the node address '{node}' is not an absolute http:// or https:// URL", nameof(node));
        if (!string.IsNullOrEmpty(node.Query) || !string.IsNullOrEmpty(node.Fragment))
            throw new ArgumentException($"the node address '{node}' must not have a query or fragment", nameof(node));
        var s = node.GetLeftPart(UriPartial.Path);
        return new Uri(s.EndsWith('/') ? s : s + "/");
    }

    /// <summary>Parses a node URL given on a command line or in configuration.</summary>
    /// <exception cref="ArgumentException">Not an absolute http(s) URL.</exception>
    public static Uri Parse(string text)
    {
        if (!Uri.TryCreate(text?.Trim(), UriKind.Absolute, out var uri))
            throw new ArgumentException($"the node address '{text}' is not a URL (expected e.g. http://127.0.0.1:8547)");
        return Normalize(uri);
    }

    /// <summary>An absolute route ("/agent/v1/rpc") under the node's base address.</summary>
    public static Uri Combine(Uri normalizedBase, string route) => new(normalizedBase, route.TrimStart('/'));
}
