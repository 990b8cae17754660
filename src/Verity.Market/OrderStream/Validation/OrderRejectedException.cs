namespace Verity.Market.OrderStream.Validation;

/// <summary>An order the stream refuses (HTTP 400); the message names the problem.</summary>
public sealed class OrderRejectedException(string message) : Exception(message);
