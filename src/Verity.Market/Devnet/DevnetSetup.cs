using System.Numerics;
using Verity.Chain.Accounts;
using Verity.Chain.Anvil;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Transactions;

namespace Verity.Market.Devnet;

/// <summary>
/// Sets up a fresh devnet chain: deploys the market with anvil's dev account #0, then funds the roles — #1 requestor
/// (an ETH deposit in the market), #2 prover and #3 prover2 (stake tokens from the faucet, part of them deposited in the
/// market as stake so that `verity proving lock` works at once).
/// </summary>
public static class DevnetSetup
{
    /// <summary>anvil's well-known development keys (mnemonic "test test … junk"), accounts #0..#3: public knowledge.</summary>
    private static readonly string[] DevKeys =
    [
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    ];

    public static readonly BigInteger RequestorDeposit = BigInteger.Pow(10, 18) * 10;   // 10 ETH
    public static readonly BigInteger ProverStakeTokens = BigInteger.Pow(10, 18) * 1000; // 1000 VSTK
    public static readonly BigInteger ProverStakeDeposit = BigInteger.Pow(10, 18) * 100; // 100 VSTK of them staked

    public static async Task<DevnetDeployment> DeployAsync(string rpcUrl, CancellationToken ct)
    {
        var web3 = ChainRpc.CreateWeb3(rpcUrl);
        var chainId = await ChainRpc.GetChainIdAsync(web3).WaitAsync(ct).ConfigureAwait(false);
        if (chainId != (ulong)AnvilProcess.DevelopmentChainId)
            throw new DevnetException($"the chain at {rpcUrl} has id {chainId}, not anvil's {AnvilProcess.DevelopmentChainId}: a devnet deploys only there");
        ITransactionSender Sender(int i) => new TransactionSender(web3, ChainKey.Parse(DevKeys[i], $"anvil dev key #{i}"), chainId,
            describeRevert: data => MarketErrors.Describe(data));

        var addresses = await MarketDeployment.DeployAsync(Sender(0), developmentVerifier: true, ct).ConfigureAwait(false);
        var roles = new Dictionary<string, DevnetAccount>();
        string[] names = ["requestor", "prover", "prover2"];
        for (int i = 0; i < names.Length; i++)
        {
            var sender = Sender(i + 1);
            roles[names[i]] = new DevnetAccount(sender.Address, DevKeys[i + 1]);
            if (i == 0) await new MarketContract(web3, addresses.Market, sender).DepositAsync(RequestorDeposit, ct).ConfigureAwait(false);
            else
            {
                await new StakeTokenContract(web3, addresses.StakeToken, sender).FaucetAsync(ProverStakeTokens, ct).ConfigureAwait(false);
                await new MarketContract(web3, addresses.Market, sender).DepositStakeAsync(ProverStakeDeposit, ct).ConfigureAwait(false);
            }
        }
        return new DevnetDeployment(rpcUrl, (long)chainId,
            new DevnetAddresses(Checksum(addresses.StakeToken), Checksum(addresses.Router), Checksum(addresses.DevelopmentVerifier!), Checksum(addresses.Market)),
            (ulong)addresses.DeploymentBlock, DevelopmentMode: true, roles);
    }

    /// <summary>Addresses as people read and paste them (EIP-55 checksummed).</summary>
    private static string Checksum(string address) => Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(address);
}
