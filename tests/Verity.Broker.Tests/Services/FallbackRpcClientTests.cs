using Nethereum.Web3;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;

namespace Verity.Broker.Tests.Services;

public class FallbackRpcClientTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private static readonly RpcRetryPolicy OneTry = new() { MaxAttempts = 1, RequestTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_dead_first_url_falls_back_to_the_next_and_stays_there()
    {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        var client = FallbackRpcClient.Create(["http://127.0.0.1:1/secret-key-path", anvil.RpcUrl], OneTry);
        var web3 = new Web3(client);
        Assert.Equal(31337UL, await ChainRpc.GetChainIdAsync(web3));
        Assert.Equal(new Uri(anvil.RpcUrl).Port, new Uri(client.Current).Port);
        // The next request goes straight to the one that answered.
        Assert.True((await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value >= 0);
        Assert.Equal(new Uri(anvil.RpcUrl).Port, new Uri(client.Current).Port);
    }

    [Fact]
    public async Task Every_url_dead_is_one_error_naming_hosts_only()
    {
        var client = FallbackRpcClient.Create(["http://127.0.0.1:1/v2/KEY123", "http://user:pw@127.0.0.1:2/"], OneTry);
        var e = await Assert.ThrowsAsync<ChainRpcException>(() => ChainRpc.GetChainIdAsync(new Web3(client)));
        Assert.Contains("every Ethereum RPC endpoint failed", e.Message);
        Assert.Contains("127.0.0.1:1", e.Message);
        Assert.Contains("127.0.0.1:2", e.Message);
        Assert.DoesNotContain("KEY123", e.Message);
        Assert.DoesNotContain("pw", e.Message);
    }

    [Fact]
    public void A_bad_url_is_named_by_position()
    {
        var e = Assert.Throws<FormatException>(() => FallbackRpcClient.Create([anvil.RpcUrl, "ws://x/KEY"]));
        Assert.Contains("RPC URL #2", e.Message);
        Assert.DoesNotContain("KEY", e.Message);
    }
}
