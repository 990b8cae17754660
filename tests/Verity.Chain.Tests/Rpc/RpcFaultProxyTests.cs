using Nethereum.JsonRpc.Client;
using Verity.Chain.Rpc;
using Verity.Chain.Tests.Anvil;
using Verity.Chain.Tests.Support;

namespace Verity.Chain.Tests.Rpc;

/// <summary>
/// Each fault <see cref="RpcFaultProxy"/> injects, in front of a real anvil, as a Nethereum client over
/// <see cref="ChainRpcClient"/> meets it: transient ones are retried (one warning per retry says which), answers pass.
/// </summary>
public sealed class RpcFaultProxyTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    // Retries in milliseconds; a timed-out request is given up after 3 s, long enough that a loaded CI machine does not
    // time out a real answer (the held request only ends when the client gives up, so this bounds how long the timeout
    // test runs, not what it asserts).
    private static readonly RpcRetryPolicy Fast = new()
    {
        MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(4),
        RequestTimeout = TimeSpan.FromSeconds(3),
    };

    [Theory]
    [InlineData(RpcFault.HttpError, "answered eth_chainId with HTTP 503")]
    [InlineData(RpcFault.RateLimited, "is rate limiting requests (eth_chainId)")]
    [InlineData(RpcFault.Timeout, "did not answer eth_chainId within 3 s")]
    [InlineData(RpcFault.Drop, "cannot reach the Ethereum RPC")]
    public async Task A_transient_fault_is_retried_until_the_rpc_answers(RpcFault fault, string warning)
    {
        await using var proxy = RpcFaultProxy.Start(anvil.RpcUrl);
        var logger = new CapturingLogger();
        var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast, logger);
        proxy.Inject(fault, 2);

        Assert.Equal(31337UL, await ChainRpc.GetChainIdAsync(web3));

        Assert.Equal(2, proxy.Injected[fault]);
        Assert.Equal(1, proxy.Forwarded);
        Assert.Equal(2, logger.Lines.Count);   // one warning per retry
        Assert.All(logger.Lines, l => Assert.Contains(warning, l));
    }

    [Fact]
    public async Task A_json_rpc_error_is_an_answer_and_reaches_the_caller()
    {
        await using var proxy = RpcFaultProxy.Start(anvil.RpcUrl);
        var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast);
        proxy.Inject(RpcFault.JsonRpcError);

        var e = await Assert.ThrowsAsync<RpcResponseException>(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync());

        Assert.Equal(-32603, e.RpcError.Code);
        Assert.Contains("injected", e.RpcError.Message);
        Assert.Equal(0, proxy.Forwarded);
        Assert.True((await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value >= 0);   // the next one is forwarded
        Assert.Equal(1, proxy.Forwarded);
    }

    [Fact]
    public async Task A_proxy_that_is_down_refuses_connections_until_it_is_up_again_on_the_same_url()
    {
        await using var proxy = RpcFaultProxy.Start(anvil.RpcUrl);
        var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast);
        Assert.Equal(31337UL, await ChainRpc.GetChainIdAsync(web3));

        proxy.Down();
        Assert.True(proxy.IsDown);
        var e = await Assert.ThrowsAsync<ChainRpcException>(() => ChainRpc.GetChainIdAsync(web3));
        Assert.Contains("connection refused", e.Message);
        Assert.Contains("gave up after 4 attempts", e.Message);
        Assert.True(e.Transient);

        proxy.Up();
        Assert.Equal(31337UL, await ChainRpc.GetChainIdAsync(web3));
        Assert.Equal(2, proxy.Forwarded);
    }

    [Fact]
    public async Task Going_down_resets_a_held_request_and_disposing_with_open_connections_is_clean()
    {
        var proxy = RpcFaultProxy.Start(anvil.RpcUrl);
        // The client would wait a minute for the held request: only the proxy going down ends it.
        var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast with { RequestTimeout = TimeSpan.FromMinutes(1) });
        proxy.Inject(RpcFault.Timeout);
        var call = ChainRpc.GetChainIdAsync(web3);
        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (proxy.Injected[RpcFault.Timeout] == 0)
        {
            Assert.True(guard.Elapsed < TimeSpan.FromSeconds(120), "the request never reached the proxy");
            await Task.Delay(20);
        }

        proxy.Down();
        var e = await Assert.ThrowsAsync<ChainRpcException>(() => call);
        Assert.True(e.Transient);
        Assert.Contains("gave up after 4 attempts", e.Message);   // reset, then refused three times
        await proxy.DisposeAsync();
        await proxy.DisposeAsync();   // twice is harmless
        Assert.Equal(0, proxy.Forwarded);
    }

    [Fact]
    public async Task A_seeded_schedule_gives_the_same_faults_for_the_same_requests()
    {
        var schedule = new RpcFaultSchedule { Seed = 42, HttpErrorRate = 0.3, RateLimitedRate = 0.2, DropRate = 0.1 };
        var counts = new List<IReadOnlyDictionary<RpcFault, int>>();
        for (int run = 0; run < 2; run++)
        {
            await using var proxy = RpcFaultProxy.Start(anvil.RpcUrl, schedule);
            // Enough attempts that 20 calls get through a 60 % fault rate (each try fails with p = 0.6).
            var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast with { MaxAttempts = 30 });
            for (int i = 0; i < 20; i++) Assert.Equal(31337UL, await ChainRpc.GetChainIdAsync(web3));
            Assert.Equal(20, proxy.Forwarded);
            counts.Add(proxy.Injected);
        }
        Assert.Equal(counts[0], counts[1]);
        Assert.True(counts[0][RpcFault.HttpError] > 0 && counts[0][RpcFault.RateLimited] > 0 && counts[0][RpcFault.Drop] > 0,
            string.Join(", ", counts[0]));
        Assert.Equal(0, counts[0][RpcFault.Timeout] + counts[0][RpcFault.JsonRpcError]);
    }

    [Fact]
    public async Task A_schedule_limited_to_some_methods_leaves_the_others_alone()
    {
        var schedule = new RpcFaultSchedule { Seed = 1, HttpErrorRate = 1, Methods = new HashSet<string> { "eth_blockNumber" } };
        await using var proxy = RpcFaultProxy.Start(anvil.RpcUrl, schedule);
        var web3 = ChainRpc.CreateWeb3(proxy.Url, Fast);

        Assert.Equal(31337UL, await ChainRpc.GetChainIdAsync(web3));
        var e = await Assert.ThrowsAsync<ChainRpcException>(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync());
        Assert.Contains("HTTP 503", e.Message);
        Assert.Equal(4, proxy.Injected[RpcFault.HttpError]);
    }

    [Fact]
    public void Rates_that_sum_past_one_are_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new RpcFaultSchedule { HttpErrorRate = 0.7, DropRate = 0.5 }.Validate());
        Assert.Contains("sum to", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => RpcFaultProxy.Start(anvil.RpcUrl, new RpcFaultSchedule { TimeoutRate = -0.1 }));
    }
}
