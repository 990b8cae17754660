using Verity.Market.OrderStream.Validation;

namespace Verity.Market.OrderStream.Server;

/// <summary>Settings of an order stream server.</summary>
public sealed record OrderStreamOptions
{
    /// <summary>The address Kestrel listens on; port 0 picks a free port.</summary>
    public string Listen { get; init; } = "http://127.0.0.1:8585";

    public OrderLimits Limits { get; init; } = new();

    /// <summary>Most orders one GET returns (a larger <c>limit</c> is refused).</summary>
    public int MaxListLimit { get; init; } = 1000;

    /// <summary>Orders a GET returns without a <c>limit</c>.</summary>
    public int DefaultListLimit { get; init; } = 100;

    /// <summary>How often the server pings a WebSocket subscriber (and how long it waits for the pong before it
    /// drops the connection as dead: Boundless #241 was a dead feed nobody noticed).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>New orders buffered for one subscriber that has not taken them yet; past it the subscriber is dropped
    /// (it reconnects and resumes from the store) rather than buffered without bound.</summary>
    public int SubscriberBuffer { get; init; } = 1024;

    /// <summary>A description of what is wrong with these settings, or null.</summary>
    public string? Problem() =>
        Limits.Problem()
        ?? (MaxListLimit is < 1 or > 10_000 ? "the list limit must be between 1 and 10000"
            : DefaultListLimit < 1 || DefaultListLimit > MaxListLimit ? "the default list limit must be between 1 and the list limit"
            : PingInterval <= TimeSpan.Zero ? "the ping interval must be positive"
            : SubscriberBuffer < 1 ? "the subscriber buffer must hold at least one order"
            : null);
}
