using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.Model;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;
using Nethereum.Web3;
using Verity.Chain.Accounts;
using Verity.Chain.Rpc;

namespace Verity.Chain.Transactions;

/// <summary>
/// Sends EIP-1559 transactions signed locally with one key. Per transaction: estimate gas (a revert is refused
/// here, before a nonce is taken), take a nonce from the key's <see cref="NonceManager"/>, sign, broadcast, poll for
/// the receipt; rebroadcast when the node dropped it; replace it (same nonce, fees bumped) when it is not mined
/// within <see cref="TransactionOptions.TransactionTimeout"/>. A nonce the node refused is reclaimed, or filled with
/// a 0-value self-transfer when later nonces are already out, so the key never stalls on a gap.
/// </summary>
public sealed class TransactionSender : ITransactionSender
{
    /// <summary>Attempts with a fresh nonce when another process used ours ("nonce too low" on a first broadcast).</summary>
    private const int MaxNonceConflicts = 3;

    /// <summary>Consecutive failed polls (each already retried by the RPC client) before giving up.</summary>
    private const int MaxPollFailures = 5;

    private readonly IWeb3 _web3;
    private readonly ChainKey _key;
    private readonly TransactionOptions _options;
    private readonly GasPolicy _gas;
    private readonly Func<byte[], string?>? _describeRevert;
    private readonly ILogger _logger;
    private readonly NonceManagers _nonceRegistry;
    private NonceManager? _nonces;
    private readonly TimeProvider _time;

    /// <param name="describeRevert">names a revert's data (a contract's custom errors); the standard
    /// Error(string)/Panic(uint256) are decoded without it.</param>
    /// <param name="nonceManagers">the registry of nonce managers; <see cref="NonceManagers.Shared"/> when null.</param>
    public TransactionSender(IWeb3 web3, ChainKey key, BigInteger chainId, TransactionOptions? options = null,
        Func<byte[], string?>? describeRevert = null, ILogger? logger = null, NonceManagers? nonceManagers = null,
        TimeProvider? time = null)
    {
        _web3 = web3;
        _key = key;
        _options = options ?? new TransactionOptions();
        _gas = new GasPolicy(_options);
        _describeRevert = describeRevert;
        _logger = logger ?? NullLogger.Instance;
        ChainId = chainId;
        _nonceRegistry = nonceManagers ?? NonceManagers.Shared;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A sender for the chain the RPC serves (reads eth_chainId).</summary>
    public static async Task<TransactionSender> CreateAsync(IWeb3 web3, ChainKey key, TransactionOptions? options = null,
        Func<byte[], string?>? describeRevert = null, ILogger? logger = null, NonceManagers? nonceManagers = null)
    {
        var chainId = await ChainRpc.GetChainIdAsync(web3).ConfigureAwait(false);
        return new TransactionSender(web3, key, chainId, options, describeRevert, logger, nonceManagers);
    }

    public string Address => _key.Address;
    public BigInteger ChainId { get; }
    /// <summary>This key's nonce manager on this chain (known once a transaction was sent).</summary>
    public NonceManager Nonces => _nonces ?? throw new InvalidOperationException("no transaction was sent yet: the nonce manager is chosen at the first one");

    /// <summary>
    /// The nonce manager of this key on this chain: chains are told apart by chain id and genesis block, so two
    /// devnets with the same chain id and keys (anvil's) in one process do not share nonces, while one chain reached
    /// through several RPC URLs does.
    /// </summary>
    private async Task<NonceManager> NoncesAsync(CancellationToken ct)
    {
        if (_nonces is { } known) return known;
        var genesis = await _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter(0))
            .WaitAsync(ct).ConfigureAwait(false);
        return _nonces = _nonceRegistry.For(ChainId, genesis?.BlockHash ?? "", _key.Address);
    }

    /// <summary>Told of each step (signed, broadcast, replaced, rebroadcast, mined) and awaited before the sender goes on.</summary>
    public Func<TransactionProgress, CancellationToken, Task>? OnProgress { get; init; }

    public async Task<TransactionReceipt> SendAsync(TransactionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Label)) throw new ArgumentException("a transaction needs a label", nameof(request));
        if (request.To != null && !AddressUtil.Current.IsValidEthereumAddressHexFormat(request.To))
            throw new ArgumentException($"{request.Label}: '{request.To}' is not an address", nameof(request));
        if (request.Value.Sign < 0) throw new ArgumentException($"{request.Label}: negative value", nameof(request));
        if (request.GasLimit is { Sign: <= 0 }) throw new ArgumentException($"{request.Label}: gas limit must be positive", nameof(request));

        // Estimate even with a given gas limit: a call the chain would revert is refused before a nonce is taken.
        var estimate = await EstimateGasAsync(request).ConfigureAwait(false);
        var gasLimit = request.GasLimit ?? GasPolicy.GasLimit(estimate);
        var tx = new Unsigned(request.Label, request.To, request.Data, request.Value, gasLimit);

        for (var conflicts = 0; ; conflicts++)
        {
            ct.ThrowIfCancellationRequested();
            var fees = await _gas.CurrentAsync(_web3, request.Label).ConfigureAwait(false);
            var nonce = await (await NoncesAsync(ct).ConfigureAwait(false)).TakeAsync(PendingCountAsync, ct).ConfigureAwait(false);
            try
            {
                return await SendWithNonceAsync(tx, nonce, fees, ct).ConfigureAwait(false);
            }
            catch (NonceUsedElsewhereException) when (conflicts + 1 < MaxNonceConflicts)
            {
                _logger.LogWarning("{Label}: nonce {Nonce} was already used by another sender of {Address}; taking a new one",
                    tx.Label, nonce, Address);
                await _nonces!.AdvanceAsync(nonce, PendingCountAsync, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NonceUsedElsewhereException e)
            {
                await _nonces!.AdvanceAsync(nonce, PendingCountAsync, CancellationToken.None).ConfigureAwait(false);
                throw new TransactionFailedException(
                    $"{tx.Label}: {MaxNonceConflicts} nonces in a row were used by another sender of {Address}", tx.Label, nonce, e.Hashes);
            }
        }
    }

    /// <summary>
    /// Broadcasts <paramref name="tx"/> with <paramref name="nonce"/> and follows it until mined. Settles the nonce
    /// in every outcome: completed when mined, released (and filled if needed) when refused, abandoned otherwise.
    /// </summary>
    /// <param name="filler">a gap filler: when refused too, the nonce is abandoned rather than filled again.</param>
    private async Task<TransactionReceipt> SendWithNonceAsync(Unsigned tx, BigInteger nonce, Fees fees, CancellationToken ct,
        bool filler = false)
    {
        var sent = new List<Signed>();
        var settled = false;
        try
        {
            var first = Sign(tx, nonce, fees);
            await ReportAsync(TransactionStage.Signed, tx, first, ct).ConfigureAwait(false);
            switch (await BroadcastAsync(first).ConfigureAwait(false))
            {
                case (BroadcastResult.Refused, var why):
                    settled = true;
                    if (filler) await _nonces!.AbandonAsync(nonce).ConfigureAwait(false);
                    else await ReleaseAsync(tx, nonce).ConfigureAwait(false);
                    throw new TransactionFailedException($"{tx.Label}: the node refused the transaction: {why}", tx.Label, nonce, [first.Hash]);
                case (BroadcastResult.NonceTooLow, _):
                    // Nothing of ours had this nonce: another process sent with the same key.
                    settled = true;
                    throw new NonceUsedElsewhereException([first.Hash]);
                case (BroadcastResult.Underpriced, var why):
                    // Something of ours or someone else's holds this nonce in the pool at a higher price. Ours would be
                    // a bug in the nonce accounting; someone else's means the key is shared. Either way: not sent.
                    settled = true;
                    await _nonces!.AbandonAsync(nonce).ConfigureAwait(false);
                    throw new TransactionFailedException(
                        $"{tx.Label}: nonce {nonce} is taken in the node's pool by another transaction ({why}); is the key used elsewhere?",
                        tx.Label, nonce, [first.Hash]);
            }
            sent.Add(first);
            _logger.LogInformation("{Label}: sent {Hash} (nonce {Nonce}, {Fees}, gas {Gas})", tx.Label, first.Hash, nonce, fees, tx.GasLimit);
            await ReportAsync(TransactionStage.Broadcast, tx, first, ct).ConfigureAwait(false);

            var receipt = await WaitForReceiptAsync(tx, nonce, sent, ct).ConfigureAwait(false);
            settled = true;
            await _nonces!.CompleteAsync(nonce).ConfigureAwait(false);
            var mined = sent.Single(s => string.Equals(s.Hash, receipt.TransactionHash, StringComparison.OrdinalIgnoreCase));
            await ReportAsync(TransactionStage.Mined, tx, mined, ct).ConfigureAwait(false);
            if (receipt.Status?.Value == 0)
                throw await MinedRevertAsync(tx, receipt).ConfigureAwait(false);
            _logger.LogInformation("{Label}: mined {Hash} in block {Block} (gas used {GasUsed})",
                tx.Label, receipt.TransactionHash, receipt.BlockNumber?.Value, receipt.GasUsed?.Value);
            return receipt;
        }
        finally
        {
            if (!settled)
            {
                await _nonces!.AbandonAsync(nonce).ConfigureAwait(false);
                _logger.LogWarning("{Label}: stopped following nonce {Nonce} without a receipt; the nonce will be re-read from the node",
                    tx.Label, nonce);
            }
        }
    }

    private async Task<TransactionReceipt> WaitForReceiptAsync(Unsigned tx, BigInteger nonce, List<Signed> sent, CancellationToken ct)
    {
        var lastBroadcast = _time.GetTimestamp();
        var replacements = 0;
        var pollFailures = 0;
        while (true)
        {
            await Task.Delay(_options.PollInterval, _time, ct).ConfigureAwait(false);
            try
            {
                if (await FindReceiptAsync(sent).ConfigureAwait(false) is { } receipt) return receipt;

                if (_time.GetElapsedTime(lastBroadcast) >= _options.TransactionTimeout)
                {
                    if (replacements >= _options.MaxReplacements)
                        throw new TransactionFailedException(
                            $"{tx.Label}: not mined within {_options.TransactionTimeout.TotalSeconds:0.###} s after {replacements} replacement(s) " +
                            $"(nonce {nonce}, last {sent[^1].Fees}, last hash {sent[^1].Hash})",
                            tx.Label, nonce, sent.Select(s => s.Hash).ToArray());
                    var bumped = await _gas.BumpAsync(_web3, tx.Label, sent[^1].Fees).ConfigureAwait(false);
                    var replacement = Sign(tx, nonce, bumped);
                    replacements++;
                    lastBroadcast = _time.GetTimestamp();
                    var (result, why) = await BroadcastAsync(replacement).ConfigureAwait(false);
                    if (result is BroadcastResult.Accepted or BroadcastResult.Unknown)
                    {
                        sent.Add(replacement);
                        _logger.LogWarning("{Label}: not mined in time; replaced with {Hash} (nonce {Nonce}, {Fees}), replacement {N}/{Max}",
                            tx.Label, replacement.Hash, nonce, bumped, replacements, _options.MaxReplacements);
                        await ReportAsync(TransactionStage.Replaced, tx, replacement, ct).ConfigureAwait(false);
                    }
                    else if (result == BroadcastResult.NonceTooLow)
                    {
                        // Something with this nonce was mined: ours, unless the key is used elsewhere.
                        if (await FindReceiptAsync(sent).ConfigureAwait(false) is { } mined) return mined;
                        throw new TransactionFailedException(
                            $"{tx.Label}: nonce {nonce} was mined by a transaction this sender did not send; is the key used elsewhere?",
                            tx.Label, nonce, sent.Select(s => s.Hash).ToArray());
                    }
                    else
                    {
                        // Underpriced or refused: the previous one stays in the pool; the next bump starts higher.
                        sent.Add(replacement with { Broadcast = false });
                        _logger.LogWarning("{Label}: replacement {Hash} not accepted ({Why}); still waiting for the earlier one",
                            tx.Label, replacement.Hash, why);
                    }
                }
                else if (await IsDroppedAsync(sent).ConfigureAwait(false))
                {
                    var latest = sent.Last(s => s.Broadcast);
                    var (result, why) = await BroadcastAsync(latest).ConfigureAwait(false);
                    _logger.LogWarning("{Label}: the node dropped {Hash} (nonce {Nonce}); broadcast it again: {Result} {Why}",
                        tx.Label, latest.Hash, nonce, result, why);
                    if (result == BroadcastResult.NonceTooLow && await FindReceiptAsync(sent).ConfigureAwait(false) is { } mined) return mined;
                    await ReportAsync(TransactionStage.Rebroadcast, tx, latest, ct).ConfigureAwait(false);
                }
                pollFailures = 0;
            }
            catch (ChainRpcException e) when (++pollFailures < MaxPollFailures)
            {
                _logger.LogWarning("{Label}: polling for nonce {Nonce} failed ({Error}); trying again", tx.Label, nonce, e.Message);
            }
        }
    }

    /// <summary>The receipt of whichever transaction sent for this nonce was mined, newest first.</summary>
    private async Task<TransactionReceipt?> FindReceiptAsync(List<Signed> sent)
    {
        for (var i = sent.Count - 1; i >= 0; i--)
        {
            var receipt = await _web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(sent[i].Hash).ConfigureAwait(false);
            if (receipt?.BlockNumber != null) return receipt;
        }
        return null;
    }

    /// <summary>Whether the node knows none of the transactions sent for this nonce (dropped from its pool).</summary>
    private async Task<bool> IsDroppedAsync(List<Signed> sent)
    {
        foreach (var s in sent.Where(s => s.Broadcast).Reverse())
            if (await _web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(s.Hash).ConfigureAwait(false) != null) return false;
        return true;
    }

    private async Task<(BroadcastResult, string?)> BroadcastAsync(Signed tx)
    {
        try
        {
            await _web3.Eth.Transactions.SendRawTransaction.SendRequestAsync("0x" + tx.Raw).ConfigureAwait(false);
            return (BroadcastResult.Accepted, null);
        }
        catch (RpcResponseException e)
        {
            var message = e.RpcError?.Message ?? e.Message;
            var lower = message.ToLowerInvariant();
            if (lower.Contains("already known") || lower.Contains("already imported") || lower.Contains("known transaction"))
                return (BroadcastResult.Accepted, message);
            if (lower.Contains("nonce too low") || lower.Contains("nonce is too low") || lower.Contains("noncetoolow"))
                return (BroadcastResult.NonceTooLow, message);
            if (lower.Contains("underpriced"))
                return (BroadcastResult.Underpriced, message);
            return (BroadcastResult.Refused, message);
        }
        catch (ChainRpcException e)
        {
            // Maybe it arrived, maybe not: the poll finds out (a receipt, or a rebroadcast when the node lacks it).
            _logger.LogWarning("{Label}: broadcasting {Hash} failed ({Error}); will check whether the node has it", tx.Label, tx.Hash, e.Message);
            return (BroadcastResult.Unknown, e.Message);
        }
    }

    private async Task ReleaseAsync(Unsigned tx, BigInteger nonce)
    {
        if (await _nonces!.ReleaseAsync(nonce).ConfigureAwait(false) == NonceRelease.Reclaimed) return;
        // Later nonces are already out and would wait for this one forever: burn it with a 0-value self-transfer.
        var gapFiller = new Unsigned($"fill nonce gap {nonce} left by {tx.Label}", Address, [], BigInteger.Zero, 21_000);
        _logger.LogWarning("{Label}: filling nonce {Nonce} with a 0-value self-transfer so later transactions can be mined", tx.Label, nonce);
        try
        {
            var fees = await _gas.CurrentAsync(_web3, gapFiller.Label).ConfigureAwait(false);
            await SendWithNonceAsync(gapFiller, nonce, fees, CancellationToken.None, filler: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError("{Label}: could not fill nonce {Nonce}: {Error}", tx.Label, nonce, e.Message);
        }
    }

    private async Task<BigInteger> EstimateGasAsync(TransactionRequest request)
    {
        try
        {
            var estimate = await _web3.Eth.Transactions.EstimateGas.SendRequestAsync(CallInput(request.To, request.Data, request.Value))
                .ConfigureAwait(false);
            return estimate.Value;
        }
        catch (RpcResponseException e) when (e.RpcError != null && RevertData.IsRevert(e.RpcError))
        {
            var data = RevertData.Extract(e.RpcError);
            throw new TransactionRevertedException(request.Label, data, RevertData.Describe(data, _describeRevert) ?? e.RpcError.Message);
        }
        catch (RpcResponseException e)
        {
            throw new TransactionFailedException($"{request.Label}: the node could not estimate gas: {e.RpcError?.Message ?? e.Message}",
                request.Label, null, [], e);
        }
    }

    /// <summary>A mined transaction reverted: replay it as a call on that block's state to learn why.</summary>
    private async Task<TransactionRevertedException> MinedRevertAsync(Unsigned tx, TransactionReceipt receipt)
    {
        _logger.LogWarning("{Label}: {Hash} reverted in block {Block}", tx.Label, receipt.TransactionHash, receipt.BlockNumber?.Value);
        try
        {
            var input = CallInput(tx.To, tx.Data, tx.Value);
            input.Gas = new HexBigInteger(tx.GasLimit);
            await _web3.Eth.Transactions.Call.SendRequestAsync(input, new BlockParameter(receipt.BlockNumber)).ConfigureAwait(false);
            return new TransactionRevertedException(tx.Label, null,
                $"reverted in block {receipt.BlockNumber?.Value}; replaying the call did not revert (out of gas, or state changed)",
                receipt.TransactionHash);
        }
        catch (RpcResponseException e) when (e.RpcError != null)
        {
            var data = RevertData.Extract(e.RpcError);
            return new TransactionRevertedException(tx.Label, data, RevertData.Describe(data, _describeRevert) ?? e.RpcError.Message,
                receipt.TransactionHash);
        }
        catch (ChainRpcException e)
        {
            return new TransactionRevertedException(tx.Label, null, $"reverted (could not replay it: {e.Message})", receipt.TransactionHash);
        }
    }

    private CallInput CallInput(string? to, byte[] data, BigInteger value) => new()
    {
        From = Address,
        To = to,
        Data = data.ToHex(true),
        Value = new HexBigInteger(value),
    };

    private async Task<BigInteger> PendingCountAsync(CancellationToken ct) =>
        (await _web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreatePending())
            .WaitAsync(ct).ConfigureAwait(false)).Value;

    private Signed Sign(Unsigned tx, BigInteger nonce, Fees fees)
    {
        var unsigned = new Transaction1559(ChainId, nonce, fees.MaxPriorityFeePerGas, fees.MaxFeePerGas, tx.GasLimit,
            tx.To ?? "", tx.Value, tx.Data.ToHex(true), null);
        var raw = _key.SignTransaction(unsigned);
        var hash = "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(Convert.FromHexString(raw)));
        return new Signed(tx.Label, nonce, fees, raw, hash, true);
    }

    private async Task ReportAsync(TransactionStage stage, Unsigned tx, Signed signed, CancellationToken ct)
    {
        if (OnProgress is { } report)
            await report(new TransactionProgress(stage, tx.Label, signed.Nonce, signed.Hash, signed.Fees), ct).ConfigureAwait(false);
    }

    private enum BroadcastResult { Accepted, Unknown, NonceTooLow, Underpriced, Refused }

    private sealed record Unsigned(string Label, string? To, byte[] Data, BigInteger Value, BigInteger GasLimit);

    /// <param name="Broadcast">false for a replacement the node did not accept (kept only so the next bump starts above it).</param>
    private sealed record Signed(string Label, BigInteger Nonce, Fees Fees, string Raw, string Hash, bool Broadcast);

    private sealed class NonceUsedElsewhereException(IReadOnlyList<string> hashes) : Exception
    {
        public IReadOnlyList<string> Hashes { get; } = hashes;
    }
}
