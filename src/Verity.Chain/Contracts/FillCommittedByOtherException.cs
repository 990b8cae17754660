using System.Numerics;

namespace Verity.Chain.Contracts;

/// <summary>
/// An open-path fill was not sent: another address is the id's first live committer (firstCommit), so the market
/// would revert RequestCommittedByOther and the published seal would serve that committer. Retry after
/// <see cref="UntilBlock"/>, when the hold lapses.
/// </summary>
public sealed class FillCommittedByOtherException(BigInteger requestId, string committer, ulong untilBlock)
    : Exception($"fulfil {Contracts.RequestId.Format(requestId)}: {committer} committed to a fill of this request first and holds it "
        + $"until block {untilBlock} (RequestCommittedByOther); the fill was not sent, so the seal stays private")
{
    public BigInteger RequestId { get; } = requestId;
    public string Committer { get; } = committer;
    public ulong UntilBlock { get; } = untilBlock;
}
