using System.Numerics;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Verity.Chain.Transactions;

/// <summary>
/// EIP-1559 fees: the tip is configured or asked of the node (eth_maxPriorityFeePerGas); the max fee is
/// 2 · base fee + tip, so the transaction stays valid through about six full blocks of base-fee rises. Anything
/// above <see cref="TransactionOptions.MaxFeePerGas"/> is refused. Gas limits are the node's estimate × 1.2.
/// </summary>
public sealed class GasPolicy
{
    private readonly TransactionOptions _options;

    public GasPolicy(TransactionOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>The fees for a new transaction now.</summary>
    /// <exception cref="FeeCapExceededException">they are above the cap.</exception>
    public async Task<Fees> CurrentAsync(IWeb3 web3, string label)
    {
        var (baseFee, tip) = await MarketAsync(web3).ConfigureAwait(false);
        var maxFee = 2 * baseFee + tip;
        CheckCap(label, maxFee, $"2 × base fee {Fees.Gwei(baseFee)} gwei + tip {Fees.Gwei(tip)} gwei");
        return new Fees(maxFee, tip);
    }

    /// <summary>
    /// Fees for replacing a transaction sent with <paramref name="previous"/>: each field raised by at least
    /// <see cref="TransactionOptions.BumpPercent"/>, and at least what the market asks now. Against the cap the
    /// bump is trimmed to the cap while that is still a valid replacement; otherwise refused.
    /// </summary>
    /// <exception cref="FeeCapExceededException">even the minimum bump is above the cap.</exception>
    public async Task<Fees> BumpAsync(IWeb3 web3, string label, Fees previous)
    {
        var (baseFee, marketTip) = await MarketAsync(web3).ConfigureAwait(false);
        return Bump(label, previous, baseFee, marketTip);
    }

    /// <summary>The replacement fees given the market's base fee and tip (see <see cref="BumpAsync"/>).</summary>
    public Fees Bump(string label, Fees previous, BigInteger baseFee, BigInteger marketTip)
    {
        var minMax = BumpUp(previous.MaxFeePerGas);
        var tip = BigInteger.Max(BumpUp(previous.MaxPriorityFeePerGas), _options.PriorityFee ?? marketTip);
        var maxFee = BigInteger.Max(minMax, 2 * baseFee + tip);
        if (_options.MaxFeePerGas is { } cap && maxFee > cap)
        {
            CheckCap(label, minMax, $"the previous {Fees.Gwei(previous.MaxFeePerGas)} gwei + {_options.BumpPercent} % to replace it");
            maxFee = cap;
        }
        return new Fees(maxFee, BigInteger.Min(tip, maxFee));
    }

    /// <summary>The gas limit for an estimate: × 1.2, rounded up, as headroom for state that changes before mining.</summary>
    public static BigInteger GasLimit(BigInteger estimate)
    {
        if (estimate.Sign <= 0) throw new ArgumentOutOfRangeException(nameof(estimate), estimate, "a gas estimate is positive");
        return (estimate * 12 + 9) / 10;
    }

    private BigInteger BumpUp(BigInteger value)
    {
        // value · (1 + p/100), rounded up, computed in integers (p to 1/1000 of a percent).
        var milli = new BigInteger(decimal.Round(_options.BumpPercent * 1000m));
        return value + (value * milli + 99_999) / 100_000;
    }

    private void CheckCap(string label, BigInteger maxFee, string why)
    {
        if (_options.MaxFeePerGas is { } cap && maxFee > cap) throw new FeeCapExceededException(label, maxFee, cap, why);
    }

    private async Task<(BigInteger BaseFee, BigInteger Tip)> MarketAsync(IWeb3 web3)
    {
        var head = await web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber
            .SendRequestAsync(BlockParameter.CreateLatest()).ConfigureAwait(false);
        var baseFee = head?.BaseFeePerGas?.Value
            ?? throw new InvalidOperationException("the chain's latest block has no base fee: EIP-1559 is required");
        var tip = _options.PriorityFee
            ?? (await web3.Client.SendRequestAsync<HexBigInteger>("eth_maxPriorityFeePerGas", null).ConfigureAwait(false)).Value;
        return (baseFee, tip);
    }
}
