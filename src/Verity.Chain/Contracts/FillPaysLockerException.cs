using System.Numerics;

namespace Verity.Chain.Contracts;

/// <summary>
/// A fill was not sent: the request is locked by someone else and the fill would land before the lock deadline, so the
/// market would pay that locker the price and its collateral back for this sender's proof. The seal was not published.
/// <see cref="MarketContract.FulfillAsync"/> sends such a fill only when told <c>payLocker: true</c>.
/// </summary>
public sealed class FillPaysLockerException(BigInteger requestId, string locker, ulong lockDeadline)
    : Exception($"fulfil {Contracts.RequestId.Format(requestId)}: the request is locked by {locker} until {lockDeadline} (chain time); "
        + "a fill now would pay the locker, not this sender, so it was not sent and the seal stays private")
{
    public BigInteger RequestId { get; } = requestId;
    public string Locker { get; } = locker;
    public ulong LockDeadline { get; } = lockDeadline;
}
