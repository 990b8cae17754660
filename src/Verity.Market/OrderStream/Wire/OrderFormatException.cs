namespace Verity.Market.OrderStream.Wire;

/// <summary>An order's JSON is not well-formed; the message names the field ("offer.maxPrice: not a decimal integer").</summary>
public sealed class OrderFormatException(string message) : Exception(message);
