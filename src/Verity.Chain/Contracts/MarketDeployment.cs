using System.Numerics;
using Nethereum.ABI;
using Nethereum.RPC.Eth.DTOs;
using Verity.Chain.Transactions;

namespace Verity.Chain.Contracts;

/// <summary>Where a deployed market lives. <see cref="DevelopmentVerifier"/> is null when none was deployed.</summary>
public sealed record MarketAddresses(string StakeToken, string Router, string? DevelopmentVerifier, string Market,
    BigInteger DeploymentBlock);

/// <summary>Deploys the market's contracts from the embedded artifacts (the sender becomes the token's and router's owner).</summary>
public static class MarketDeployment
{
    /// <summary>
    /// Deploys StakeToken, VerityVerifierRouter, (DevelopmentVerifier, registered under 0xdeadc0de) and VerityMarket.
    /// The development verifier deploys only on chain 31337 (it reverts NotADevelopmentChain elsewhere).
    /// </summary>
    public static async Task<MarketAddresses> DeployAsync(ITransactionSender sender, bool developmentVerifier = true,
        CancellationToken ct = default)
    {
        var tokenReceipt = await DeployReceiptAsync(sender, ContractArtifacts.StakeToken, [], ct);
        var token = tokenReceipt.ContractAddress;
        var router = await DeployAsync(sender, ContractArtifacts.Router, [], ct);
        string? dev = null;
        if (developmentVerifier)
        {
            dev = await DeployAsync(sender, ContractArtifacts.DevelopmentVerifier, [], ct);
            await ContractCaller.SendAsync(sender, router, new AddVerifierFunction { Selector = DevelopmentSeal.Selector, Verifier = dev },
                "register the development verifier", 0, ct);
        }
        var market = await DeployAsync(sender, ContractArtifacts.Market,
            [new ABIValue("address", token), new ABIValue("address", router)], ct);
        return new MarketAddresses(token, router, dev, market, tokenReceipt.BlockNumber.Value);
    }

    /// <summary>Deploys one artifact with ABI-encoded constructor arguments; returns its address.</summary>
    public static async Task<string> DeployAsync(ITransactionSender sender, ContractArtifact artifact, ABIValue[] args,
        CancellationToken ct = default) => (await DeployReceiptAsync(sender, artifact, args, ct)).ContractAddress;

    public static async Task<TransactionReceipt> DeployReceiptAsync(ITransactionSender sender, ContractArtifact artifact,
        ABIValue[] args, CancellationToken ct = default)
    {
        var encoded = args.Length == 0 ? [] : new ABIEncode().GetABIEncoded(args);
        var data = new byte[artifact.Bytecode.Length + encoded.Length];
        artifact.Bytecode.CopyTo(data, 0);
        encoded.CopyTo(data, artifact.Bytecode.Length);
        var receipt = await sender.SendAsync(new TransactionRequest(null, data, 0, $"deploy {artifact.ContractName}"), ct);
        if (string.IsNullOrEmpty(receipt.ContractAddress))
            throw new InvalidOperationException($"deploy {artifact.ContractName}: the receipt names no contract address");
        return receipt;
    }
}
