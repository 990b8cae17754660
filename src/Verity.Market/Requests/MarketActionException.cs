namespace Verity.Market.Requests;

/// <summary>
/// A market action refused before anything was sent (the request is already locked, the stake is short, the deadline
/// passed …): the message names the reason, as the contract's error would.
/// </summary>
public sealed class MarketActionException(string message) : Exception(message);
