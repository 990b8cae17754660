using System.Numerics;

namespace Verity.Market.OrderStream.Storage;

/// <summary>An order as the stream keeps it.</summary>
/// <param name="Seq">Its place in the stream: assigned on insert, increasing, never reused (gaps are possible).</param>
/// <param name="Digest">The request's EIP-712 digest (32 bytes); unique across the stream.</param>
/// <param name="Requestor">The checksummed address in the id's upper bits (the signer).</param>
/// <param name="Deadline">biddingStart + timeout, unix seconds.</param>
/// <param name="CreatedMs">When the stream accepted it, unix milliseconds.</param>
/// <param name="Body">The order in its canonical wire form (<see cref="Wire.OrderJson"/>), signature included.</param>
public sealed record StoredOrder(long Seq, BigInteger RequestId, byte[] Digest, string Requestor, long Deadline, long CreatedMs,
    string Body, byte[] Signature);

/// <summary>An order to insert: a <see cref="StoredOrder"/> before it has a seq.</summary>
public sealed record NewOrder(BigInteger RequestId, byte[] Digest, string Requestor, long Deadline, long CreatedMs, string Body,
    byte[] Signature);
