using Verity.Market.OrderStream.Wire;

namespace Verity.Market.OrderStream.Validation;

/// <summary>An order that passed every check, with what the checks computed.</summary>
/// <param name="Digest">The request's EIP-712 digest under the market's domain.</param>
/// <param name="Requestor">The checksummed signer (the id's address).</param>
public sealed record ValidatedOrder(SignedOrder Order, byte[] Digest, string Requestor);
