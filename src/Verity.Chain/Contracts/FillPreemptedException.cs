using System.Numerics;

namespace Verity.Chain.Contracts;

/// <summary>
/// An open-path fill was not sent: between deciding to commit and the commit being mined, someone locked the request,
/// so the fill would now pay that locker. The journal and seal were not published.
/// </summary>
public sealed class FillPreemptedException(BigInteger requestId, string locker, RequestLockFlags flags)
    : Exception($"fulfil {Contracts.RequestId.Format(requestId)}: {locker} locked the request before the fulfilment commitment was mined "
        + $"(flags {flags}); the fill was not sent, it would pay the locker")
{
    public BigInteger RequestId { get; } = requestId;
    public string Locker { get; } = locker;
}
