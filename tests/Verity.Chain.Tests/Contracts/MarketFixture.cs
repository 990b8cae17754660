using System.Numerics;
using Nethereum.Signer;
using Nethereum.Web3;
using Verity.Chain.Accounts;
using Verity.Chain.Contracts;
using Verity.Chain.Rpc;
using Verity.Chain.Transactions;
using Verity.Chain.Tests.Anvil;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// anvil with the market deployed by dev account #0 (the token's and router's owner). Accounts: #1 requestor,
/// #2 prover, #3 a second prover, #4 a stranger. Tests of one class share the chain, so they use fresh request
/// indexes (<see cref="NextIndex"/>) and compare balances before and after.
/// </summary>
public class MarketFixture : AnvilFixture, IAsyncLifetime
{
    private int _index;
    // This anvil's own nonce counters: other fixtures run other anvils with the same chain id and keys.
    private readonly NonceManagers _nonces = new();
    private MarketAddresses? _addresses;

    public Web3 Web3 { get; private set; } = null!;
    public BigInteger ChainIdValue { get; private set; }
    public ChainClock Clock { get; private set; } = null!;
    public MarketAddresses Addresses => _addresses ?? throw new InvalidOperationException("market not deployed");

    public TransactionSender Deployer { get; private set; } = null!;
    public TransactionSender Requestor { get; private set; } = null!;
    public TransactionSender Prover { get; private set; } = null!;
    public TransactionSender Prover2 { get; private set; } = null!;
    public TransactionSender Stranger { get; private set; } = null!;
    public EthECKey RequestorKey => new(DevKeys[1]);
    public EthECKey StrangerKey => new(DevKeys[4]);

    public MarketContract Market(ITransactionSender? sender = null) => new(Web3, Addresses.Market, sender);
    public StakeTokenContract Token(ITransactionSender? sender = null) => new(Web3, Addresses.StakeToken, sender);
    public VerifierRouterContract Router(ITransactionSender? sender = null) => new(Web3, Addresses.Router, sender);
    public RequestDigest Digest => new(ChainIdValue, Addresses.Market);

    public uint NextIndex() => (uint)Interlocked.Increment(ref _index);

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Web3 = new Web3(RpcUrl);
        ChainIdValue = (await Web3.Eth.ChainId.SendRequestAsync()).Value;
        Clock = new ChainClock(Web3);
        Deployer = Sender(0);
        Requestor = Sender(1);
        Prover = Sender(2);
        Prover2 = Sender(3);
        Stranger = Sender(4);
        if (ChainIdValue == Verity.Chain.Anvil.AnvilProcess.DevelopmentChainId)
            _addresses = await MarketDeployment.DeployAsync(Deployer);
    }

    public TransactionSender Sender(int devAccount) => new(ChainRpc.CreateWeb3(RpcUrl), ChainKey.Parse(DevKeys[devAccount], $"dev key #{devAccount}"),
        ChainIdValue, describeRevert: MarketErrors.Describe, nonceManagers: _nonces);
}
