using System.Net;
using Nethereum.Web3;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;
using Verity.Chain.Tests.Support;

namespace Verity.Chain.Tests.Rpc;

public class ChainRpcTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private static readonly RpcRetryPolicy Fast = new()
    {
        MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(4),
    };

    [Fact]
    public async Task AnUnreachableRpcIsAClearErrorNamingHostAndPortButNotTheSecretPath()
    {
        var port = FailingProxy.FreePort();
        var logger = new CapturingLogger();
        var web3 = ChainRpc.CreateWeb3($"http://user:pa55word@127.0.0.1:{port}/v2/s3cr3t-api-key?key=an0ther-s3cr3t", Fast, logger);

        var e = await Assert.ThrowsAsync<ChainRpcException>(() => ChainRpc.GetChainIdAsync(web3));

        Assert.StartsWith($"cannot reach the Ethereum RPC at http://127.0.0.1:{port}: connection refused", e.Message);
        Assert.Contains("gave up after 4 attempts", e.Message);
        Assert.Equal("eth_chainId", e.Method);
        Assert.True(e.Transient);
        Assert.Equal(3, logger.Lines.Count);   // one warning per retry
        foreach (var secret in new[] { "s3cr3t-api-key", "an0ther-s3cr3t", "pa55word" })
        {
            Assert.DoesNotContain(secret, e.ToString());
            Assert.DoesNotContain(secret, logger.Text);
        }
    }

    [Fact]
    public async Task TransientHttpErrorsAreRetriedUntilTheRpcAnswers()
    {
        await using var proxy = new FailingProxy(anvil.RpcUrl, failures: 3);
        var web3 = ChainRpc.CreateWeb3(proxy.Url + "v2/api-key?tier=free", Fast);

        Assert.Equal(31337UL, await ChainRpc.GetChainIdAsync(web3));
        Assert.Equal(4, proxy.Requests);
        Assert.All(proxy.Paths, p => Assert.Equal("/v2/api-key?tier=free", p));   // the provider's path and query are kept
    }

    [Fact]
    public async Task AnRpcThatKeepsFailingGivesUpAfterMaxAttempts()
    {
        await using var proxy = new FailingProxy(anvil.RpcUrl, failures: int.MaxValue, HttpStatusCode.TooManyRequests);
        var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast);

        var e = await Assert.ThrowsAsync<ChainRpcException>(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync());

        Assert.Contains($"the Ethereum RPC at http://127.0.0.1:{proxy.Port} answered eth_blockNumber with HTTP 429", e.Message);
        Assert.Equal(4, proxy.Requests);
    }

    [Fact]
    public async Task APermanentHttpErrorIsNotRetried()
    {
        await using var proxy = new FailingProxy(anvil.RpcUrl, failures: int.MaxValue, HttpStatusCode.Unauthorized);
        var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast);

        var e = await Assert.ThrowsAsync<ChainRpcException>(() => ChainRpc.GetChainIdAsync(web3));

        Assert.Contains("HTTP 401", e.Message);
        Assert.False(e.Transient);
        Assert.Equal(1, proxy.Requests);
    }

    [Fact]
    public async Task AJsonRpcErrorAnswerIsNotAConnectionFailure()
    {
        var web3 = ChainRpc.CreateWeb3(anvil.RpcUrl, Fast);
        await Assert.ThrowsAsync<Nethereum.JsonRpc.Client.RpcResponseException>(() =>
            web3.Client.SendRequestAsync<string>(new Nethereum.JsonRpc.Client.RpcRequest(1, "no_such_method")));
    }

    [Theory]
    [InlineData("ws://127.0.0.1:8545", "must be http:// or https://")]
    [InlineData("127.0.0.1:8545/s3cr3t", "not an absolute URL")]
    [InlineData("not a url s3cr3t", "not an absolute URL")]
    public void BadUrlsAreRefusedWithoutRepeatingThem(string url, string why)
    {
        var e = Assert.Throws<FormatException>(() => ChainRpc.CreateWeb3(url));
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain("s3cr3t", e.Message);
    }

    [Fact]
    public void RedactionKeepsSchemeHostAndPort()
    {
        Assert.Equal("https://eth-mainnet.example.com:443", RpcEndpoint.Redact("https://eth-mainnet.example.com/v2/abc123?x=y"));
        Assert.Equal("http://127.0.0.1:8545", RpcEndpoint.Parse("http://u:p@127.0.0.1:8545/").Display);
    }
}
