using System.Net.Http.Headers;

namespace Verity.Cluster.Agents.Http;

/// <summary>Builds the HTTP side of a remote agent: one pooled <see cref="HttpClient"/> shared by the JSON-RPC connection and the blob proxy.</summary>
public static class AgentHttp
{
    /// <summary>
    /// A connection to the node at <paramref name="node"/> with the agent <paramref name="token"/>; its
    /// <see cref="IBrokerConnection.Blobs"/> is the node's blob proxy. Dispose it to close the connections.
    /// </summary>
    /// <exception cref="ArgumentException">The URL is not an absolute http(s) URL, or the token is empty or malformed.</exception>
    public static HttpBrokerConnection Create(Uri node, string token)
    {
        var baseAddress = NodeAddress.Normalize(node);
        BearerToken(token);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Re-resolve DNS now and then, so an agent follows a node that moved (rolling restarts behind a name).
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("verity-agent", typeof(AgentHttp).Assembly.GetName().Version?.ToString() ?? "0"));
        var blobs = new HttpBlobStore(http, baseAddress, token);
        return new HttpBrokerConnection(http, baseAddress, token, blobs, ownsClient: true);
    }

    /// <summary>The <c>Authorization: Bearer</c> header for an agent token.</summary>
    /// <exception cref="ArgumentException">Empty, or characters a header cannot carry.</exception>
    public static AuthenticationHeaderValue BearerToken(string token)
    {
        if (string.IsNullOrWhiteSpace(token)) throw new ArgumentException("the agent token is empty", nameof(token));
        if (token.Any(c => c <= ' ' || c > '~')) throw new ArgumentException("the agent token contains spaces, control or non-ASCII characters", nameof(token));
        return new AuthenticationHeaderValue("Bearer", token);
    }
}
