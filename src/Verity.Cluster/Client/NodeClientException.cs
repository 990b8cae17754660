namespace Verity.Cluster.Client;

/// <summary>The node answered a client request with an error status; <see cref="Exception.Message"/> is the node's explanation.</summary>
public sealed class NodeClientException(int statusCode, string message) : Exception(message)
{
    /// <summary>The HTTP status the node answered with (400 bad request, 401 wrong key, 404 unknown, 409 wrong state, 413 too large, 5xx).</summary>
    public int StatusCode { get; } = statusCode;
}
