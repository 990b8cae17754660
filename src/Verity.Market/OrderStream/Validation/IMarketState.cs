using System.Numerics;
using Verity.Chain.Contracts;

namespace Verity.Market.OrderStream.Validation;

/// <summary>
/// The chain reads the order stream checks a posted order against. <see cref="ChainMarketState"/> reads them from
/// the market contract; an implementation that cannot reach the chain throws <see cref="MarketStateUnavailableException"/>
/// (the server answers 503: a retry may pass).
/// </summary>
public interface IMarketState
{
    /// <summary>The latest block's timestamp, unix seconds.</summary>
    Task<ulong> ChainTimeAsync(CancellationToken ct = default);

    /// <summary>The address's ETH balance in the market (what a requestor's orders are paid from), in wei.</summary>
    Task<BigInteger> BalanceOfAsync(string address, CancellationToken ct = default);

    /// <summary>The market's <c>requestStatus(id)</c>.</summary>
    Task<RequestStatus> RequestStatusAsync(BigInteger requestId, CancellationToken ct = default);
}

/// <summary>The chain could not be read (RPC unreachable or failing); the message says what was being read.</summary>
public sealed class MarketStateUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
