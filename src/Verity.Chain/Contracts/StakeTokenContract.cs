using System.Numerics;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Transactions;

namespace Verity.Chain.Contracts;

/// <summary>StakeToken, typed (ERC-20 + EIP-2612 nonces + the development faucet).</summary>
public sealed class StakeTokenContract(IWeb3 web3, string address, ITransactionSender? sender = null)
{
    /// <summary>The most <see cref="FaucetAsync"/> mints per call: 1 000 000 tokens of 18 decimals.</summary>
    public static readonly BigInteger FaucetLimit = BigInteger.Pow(10, 24);

    public string Address { get; } = address;
    public IWeb3 Web3 { get; } = web3;
    public ITransactionSender? Sender { get; } = sender;

    public StakeTokenContract With(ITransactionSender other) => new(Web3, Address, other);

    public Task<BigInteger> BalanceOfAsync(string account, CancellationToken ct = default) =>
        Query<TokenBalanceOfFunction, BigInteger>(new() { Account = account }, "balanceOf", ct);

    public Task<BigInteger> TotalSupplyAsync(CancellationToken ct = default) =>
        Query<TotalSupplyFunction, BigInteger>(new(), "totalSupply", ct);

    public Task<BigInteger> AllowanceAsync(string owner, string spender, CancellationToken ct = default) =>
        Query<AllowanceFunction, BigInteger>(new() { Owner = owner, Spender = spender }, "allowance", ct);

    /// <summary>The owner's EIP-2612 permit nonce.</summary>
    public Task<BigInteger> NoncesAsync(string owner, CancellationToken ct = default) =>
        Query<NoncesFunction, BigInteger>(new() { Owner = owner }, "nonces", ct);

    public Task<TransactionReceipt> ApproveAsync(string spender, BigInteger value, CancellationToken ct = default) =>
        Send(new ApproveFunction { Spender = spender, Value = value }, $"approve {value} stake to {spender}", ct);

    public Task<TransactionReceipt> TransferAsync(string to, BigInteger value, CancellationToken ct = default) =>
        Send(new TransferFunction { To = to, Value = value }, $"transfer {value} stake to {to}", ct);

    /// <summary>Mints to the sender; chain 31337 only (FaucetDisabled elsewhere).</summary>
    public Task<TransactionReceipt> FaucetAsync(BigInteger amount, CancellationToken ct = default) =>
        Send(new FaucetFunction { Amount = amount }, $"faucet {amount} stake", ct);

    /// <summary>Mints to <paramref name="to"/>; the token's owner only.</summary>
    public Task<TransactionReceipt> MintAsync(string to, BigInteger amount, CancellationToken ct = default) =>
        Send(new MintFunction { To = to, Amount = amount }, $"mint {amount} stake to {to}", ct);

    private Task<TOut> Query<T, TOut>(T message, string label, CancellationToken ct) where T : FunctionMessage, new() =>
        ContractCaller.QueryAsync<T, TOut>(Web3, Address, message, label, ct);

    private Task<TransactionReceipt> Send<T>(T message, string label, CancellationToken ct) where T : FunctionMessage, new() =>
        ContractCaller.SendAsync(Sender, Address, message, label, 0, ct);
}
