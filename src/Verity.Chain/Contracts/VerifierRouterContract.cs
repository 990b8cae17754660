using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Transactions;

namespace Verity.Chain.Contracts;

/// <summary>The outcome of <see cref="VerifierRouterContract.VerifyAsync"/>: accepted, or the decoded refusal.</summary>
public sealed record SealVerdict(bool Accepted, ContractError? Error, string Reason)
{
    public static readonly SealVerdict Ok = new(true, null, "accepted");
}

/// <summary>VerityVerifierRouter, typed.</summary>
public sealed class VerifierRouterContract(IWeb3 web3, string address, ITransactionSender? sender = null)
{
    public string Address { get; } = address;
    public IWeb3 Web3 { get; } = web3;
    public ITransactionSender? Sender { get; } = sender;

    public VerifierRouterContract With(ITransactionSender other) => new(Web3, Address, other);

    /// <summary>Asks the router (eth_call) whether it accepts the seal for (imageId, journalDigest).</summary>
    public async Task<SealVerdict> VerifyAsync(byte[] seal, byte[] imageId, byte[] journalDigest, CancellationToken ct = default)
    {
        try
        {
            await ContractCaller.CallAsync(Web3, Address,
                new VerifyFunction { Seal = seal, ImageId = imageId, JournalDigest = journalDigest }, "verify", ct: ct);
            return SealVerdict.Ok;
        }
        catch (TransactionRevertedException e)
        {
            return new SealVerdict(false, MarketErrors.Decode(e.RevertData), e.Reason ?? "reverted");
        }
    }

    public Task<string> GetVerifierAsync(byte[] selector, CancellationToken ct = default) =>
        ContractCaller.QueryAsync<GetVerifierFunction, string>(Web3, Address, new() { Selector = selector }, "getVerifier", ct);

    public Task<TransactionReceipt> AddVerifierAsync(byte[] selector, string verifier, CancellationToken ct = default) =>
        ContractCaller.SendAsync(Sender, Address, new AddVerifierFunction { Selector = selector, Verifier = verifier },
            $"add verifier 0x{Convert.ToHexStringLower(selector)}", 0, ct);

    public Task<TransactionReceipt> RemoveVerifierAsync(byte[] selector, CancellationToken ct = default) =>
        ContractCaller.SendAsync(Sender, Address, new RemoveVerifierFunction { Selector = selector },
            $"remove verifier 0x{Convert.ToHexStringLower(selector)}", 0, ct);
}
