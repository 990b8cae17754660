using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Rpc;

namespace Verity.Chain.Events;

/// <summary>
/// Follows one contract's logs with eth_getLogs, at least once and in (block, log index) order, across restarts
/// and reorgs. Each poll reads from the block after the saved position up to head − confirmations, in ranges of
/// at most <see cref="EventCursorOptions.MaxBlockRange"/> blocks, hands each range's logs to the consumer and
/// saves the position only after the consumer returns (a crash redelivers, never skips). Before reading, the saved
/// block's hash is checked against the chain: when it is no longer canonical the cursor walks back through its
/// window of recent positions to the last canonical one, tells the consumer (<c>onRewind</c>) and reads again
/// from there.
/// </summary>
public sealed class EventCursor
{
    /// <summary>Re-reads of a range whose blocks changed while it was read, before the poll gives up for now.</summary>
    private const int MaxRaces = 3;

    private readonly IWeb3 _web3;
    private readonly EventCursorOptions _options;
    private readonly ICursorStore _store;
    private readonly ILogger _logger;
    private CursorPosition? _position;
    private bool _loaded;
    private ulong? _firstBlock;

    public EventCursor(IWeb3 web3, EventCursorOptions options, ICursorStore store, ILogger? logger = null)
    {
        options.Validate();
        _web3 = web3;
        _options = options;
        _store = store;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The position after the last delivered range (null before the first).</summary>
    public CursorPosition? Position => _position;

    /// <summary>
    /// Delivers every new log up to head − confirmations. <paramref name="onLogs"/> gets each non-empty range's logs
    /// in order; <paramref name="onRewind"/> gets the block a reorg rewound to (logs after it come again).
    /// </summary>
    /// <returns>how many logs were delivered.</returns>
    public async Task<int> PollAsync(Func<IReadOnlyList<FilterLog>, CancellationToken, Task> onLogs,
        Func<ulong, CancellationToken, Task>? onRewind, CancellationToken ct = default)
    {
        if (!_loaded)
        {
            _position = await _store.LoadAsync(ct).ConfigureAwait(false);
            _loaded = true;
        }
        var delivered = 0;
        for (var race = 0; race < MaxRaces; race++)
        {
            var head = (ulong)(await _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value;
            if (head < _options.Confirmations) return delivered;
            var safe = head - _options.Confirmations;

            ulong from;
            if (_position is null)
            {
                _firstBlock ??= head > _options.LookbackBlocks ? head - _options.LookbackBlocks : 0;
                from = _firstBlock.Value;
            }
            else
            {
                await FollowReorgAsync(onRewind, ct).ConfigureAwait(false);
                from = _position is null ? _firstBlock!.Value : _position.Block.Number + 1;
            }

            var raced = false;
            while (from <= safe)
            {
                ct.ThrowIfCancellationRequested();
                var to = Math.Min(safe, from + _options.MaxBlockRange - 1);
                var toHash = await HashAtAsync(to).ConfigureAwait(false);
                var logs = toHash == null ? null : await GetLogsAsync(from, to).ConfigureAwait(false);
                // The range must not have changed while it was read: the saved block is still canonical and the range's
                // last block has the same hash (a hash fixes every block below it).
                if (toHash == null || !SameHash(await HashAtAsync(to).ConfigureAwait(false), toHash)
                    || (_position != null && !SameHash(await HashAtAsync(_position.Block.Number).ConfigureAwait(false), _position.Block.Hash)))
                {
                    _logger.LogInformation("blocks {From}..{To} changed while they were read; reading again", from, to);
                    raced = true;
                    break;
                }
                if (logs!.Count > 0)
                {
                    await onLogs(logs, ct).ConfigureAwait(false);
                    delivered += logs.Count;
                }
                var block = new BlockRef(to, toHash);
                _position = _position is null ? new CursorPosition(block, [block]) : _position.Advance(block, _options.ReorgWindow);
                await _store.SaveAsync(_position, ct).ConfigureAwait(false);
                from = to + 1;
            }
            if (!raced) return delivered;
        }
        return delivered;
    }

    /// <summary>
    /// Polls every <paramref name="pollInterval"/> until <paramref name="ct"/> is cancelled, then returns. RPC
    /// failures are logged and the poll is tried again; a consumer's exception ends the run (its logs were not
    /// saved as delivered, so the next run hands them over again).
    /// </summary>
    public async Task RunAsync(TimeSpan pollInterval, Func<IReadOnlyList<FilterLog>, CancellationToken, Task> onLogs,
        Func<ulong, CancellationToken, Task>? onRewind, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await PollAsync(onLogs, onRewind, ct).ConfigureAwait(false);
                }
                catch (ChainRpcException e)
                {
                    _logger.LogWarning("event cursor for {Address}: {Error}; polling again in {Interval}", _options.Address, e.Message, pollInterval);
                }
                await Task.Delay(pollInterval, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>When the saved block is no longer canonical, rewinds to the newest recent position that is.</summary>
    private async Task FollowReorgAsync(Func<ulong, CancellationToken, Task>? onRewind, CancellationToken ct)
    {
        var position = _position!;
        if (SameHash(await HashAtAsync(position.Block.Number).ConfigureAwait(false), position.Block.Hash)) return;

        CursorPosition? rewound = null;
        foreach (var block in position.Recent.Where(b => b.Number < position.Block.Number).OrderByDescending(b => b.Number))
        {
            if (SameHash(await HashAtAsync(block.Number).ConfigureAwait(false), block.Hash))
            {
                rewound = position.RewindTo(block);
                _logger.LogWarning("reorg: block {Block} {Hash} is no longer canonical; rewound to block {To}",
                    position.Block.Number, position.Block.Hash, block.Number);
                break;
            }
        }
        if (rewound == null)
        {
            // Deeper than the window: go back past all of it and trust the chain's block there.
            var oldest = position.Recent.Min(b => b.Number);
            if (oldest == 0)
            {
                _firstBlock = 0;
            }
            else
            {
                var target = oldest - 1;
                var hash = await HashAtAsync(target).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"reorg: block {target} is missing from the chain");
                var block = new BlockRef(target, hash);
                rewound = new CursorPosition(block, [block]);
            }
            _logger.LogWarning(
                "reorg deeper than the window of {Window} saved positions: none of blocks {Oldest}..{Newest} is canonical any more; " +
                "rewound to block {To} and delivering its successors again",
                position.Recent.Count, oldest, position.Block.Number, rewound?.Block.Number ?? 0);
        }

        if (onRewind != null) await onRewind(rewound?.Block.Number ?? 0, ct).ConfigureAwait(false);
        _position = rewound;
        if (rewound != null) await _store.SaveAsync(rewound, ct).ConfigureAwait(false);
    }

    private async Task<List<FilterLog>> GetLogsAsync(ulong from, ulong to)
    {
        var filter = new NewFilterInput
        {
            Address = [_options.Address],
            FromBlock = new BlockParameter(new HexBigInteger(from)),
            ToBlock = new BlockParameter(new HexBigInteger(to)),
            Topics = _options.Topics is { Count: > 0 } topics ? [topics.ToArray()] : null,
        };
        var logs = await _web3.Eth.Filters.GetLogs.SendRequestAsync(filter).ConfigureAwait(false);
        return logs.Where(l => l.Removed != true)
            .OrderBy(l => l.BlockNumber.Value).ThenBy(l => l.LogIndex.Value)
            .ToList();
    }

    private async Task<string?> HashAtAsync(ulong number)
    {
        var block = await _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
            .SendRequestAsync(new BlockParameter(new HexBigInteger(number))).ConfigureAwait(false);
        return block?.BlockHash;
    }

    private static bool SameHash(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
