using Verity.Chain.Contracts;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Contracts;

/// <summary>anvil with chain id 1: what must refuse to run outside a development chain.</summary>
public class ChainOneFixture : MarketFixture
{
    protected override long? ChainId => 1;
}

public class NonDevelopmentChainTests(ChainOneFixture chain) : IClassFixture<ChainOneFixture>
{
    [Fact]
    public async Task The_development_verifier_refuses_to_deploy()
    {
        Assert.Equal(1, chain.ChainIdValue);
        var e = await Assert.ThrowsAsync<TransactionRevertedException>(() => MarketDeployment.DeployAsync(chain.Deployer));
        Assert.Equal("NotADevelopmentChain(chainId=1)", e.Reason);
        Assert.Equal("deploy DevelopmentVerifier", e.Label);
    }

    [Fact]
    public async Task The_market_deploys_without_it_and_the_faucet_is_refused()
    {
        var addresses = await MarketDeployment.DeployAsync(chain.Deployer, developmentVerifier: false);
        Assert.Null(addresses.DevelopmentVerifier);
        var token = new StakeTokenContract(chain.Web3, addresses.StakeToken, chain.Stranger);
        var e = await Assert.ThrowsAsync<TransactionRevertedException>(() => token.FaucetAsync(1));
        Assert.Equal("FaucetDisabled(chainId=1)", e.Reason);
        Assert.Equal(0, await token.TotalSupplyAsync());
        // The owner can still mint.
        await token.With(chain.Deployer).MintAsync(chain.Stranger.Address, 5);
        Assert.Equal(5, await token.BalanceOfAsync(chain.Stranger.Address));
        var market = new MarketContract(chain.Web3, addresses.Market);
        Assert.Equal(addresses.StakeToken, await market.StakeTokenAddressAsync(), ignoreCase: true);
        Assert.Equal(addresses.Router, await market.RouterAddressAsync(), ignoreCase: true);
    }
}
