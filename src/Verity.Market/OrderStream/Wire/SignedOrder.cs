using Verity.Chain.Contracts;

namespace Verity.Market.OrderStream.Wire;

/// <summary>A proof request and the requestor's 65-byte EIP-712 signature over it: what a requestor posts.</summary>
public sealed record SignedOrder(ProofRequest Request, byte[] Signature);
