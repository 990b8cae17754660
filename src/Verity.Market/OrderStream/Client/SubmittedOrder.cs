using System.Numerics;

namespace Verity.Market.OrderStream.Client;

/// <summary>What POST /v1/orders answered: the order's id, digest and place in the stream.</summary>
public sealed record SubmittedOrder(BigInteger RequestId, byte[] Digest, long Seq);
