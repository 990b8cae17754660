namespace Verity.Market.OrderStream.Client;

/// <summary>The order stream refused a request or could not be reached; the message is the server's when it sent one.</summary>
/// <param name="statusCode">The HTTP status, or null when no answer came.</param>
public sealed class OrderStreamException(int? statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}
