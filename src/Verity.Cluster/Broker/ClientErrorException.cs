namespace Verity.Cluster.Broker;

/// <summary>
/// A client request the job service refuses; <see cref="StatusCode"/> is the HTTP status the API answers with
/// (400 bad request, 404 unknown, 409 not in a state for it, 413 too large). Nothing was stored.
/// </summary>
public sealed class ClientErrorException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static ClientErrorException BadRequest(string message) => new(400, message);
    public static ClientErrorException NotFound(string message) => new(404, message);
    public static ClientErrorException Conflict(string message) => new(409, message);
    public static ClientErrorException TooLarge(string message) => new(413, message);
}
