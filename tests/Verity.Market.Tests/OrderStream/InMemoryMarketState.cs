using Verity.Chain.Contracts;
using System.Collections.Concurrent;
using System.Numerics;
using Verity.Market.OrderStream.Validation;

namespace Verity.Market.Tests.OrderStream;

/// <summary>A chain for validation tests: a settable clock, balances and request states; "down" makes every read fail
/// as an unreachable RPC would.</summary>
internal sealed class InMemoryMarketState : IMarketState
{
    private readonly ConcurrentDictionary<string, BigInteger> _balances = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<BigInteger, RequestStatus> _status = new();

    public ulong Now { get; set; } = 1_700_000_000;
    public bool Down { get; set; }

    public void Deposit(string address, BigInteger wei) => _balances.AddOrUpdate(address, wei, (_, b) => b + wei);
    public void SetStatus(BigInteger id, RequestStatus status) => _status[id] = status;

    public Task<ulong> ChainTimeAsync(CancellationToken ct = default) => Read(() => Now);

    public Task<BigInteger> BalanceOfAsync(string address, CancellationToken ct = default) =>
        Read(() => _balances.GetValueOrDefault(address));

    public Task<RequestStatus> RequestStatusAsync(BigInteger requestId, CancellationToken ct = default) =>
        Read(() => _status.GetValueOrDefault(requestId));

    private Task<T> Read<T>(Func<T> read) =>
        Down ? Task.FromException<T>(new MarketStateUnavailableException("chain RPC http://127.0.0.1:1 cannot be reached")) : Task.FromResult(read());
}
