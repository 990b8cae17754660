using System.Numerics;
using System.Text;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Chain.Contracts;
using Verity.Market.Requests;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Attacks;

/// <summary>
/// A hostile requestor's image or input URL serves one thing to preflight and another once the broker has locked:
/// if the prover fetched again, the lock could not be fulfilled (another image id, or a receipt over other input) and
/// the broker would be slashed. The broker must prove what it preflighted (the fetch cache), so the request is
/// fulfilled whatever the URL answers later. Real anvil, real node, the real evaluator (preflight on the node).
/// </summary>
[Collection(DevnetCollection.Name)]
public class ShiftingResourceAttackTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task An_image_url_that_serves_another_elf_after_preflight_does_not_get_the_lock_slashed()
    {
        await using var server = await ShiftyServer.StartAsync();
        var good = await File.ReadAllBytesAsync(f.GuestPath);
        var other = await File.ReadAllBytesAsync(Verity.Cli.Tests.TinyElf.Write(Path.Combine(f.Dir, "other.elf"), exitCode: 7));
        var imageUrl = server.Url("image.elf", good, other);
        await using var store = await f.StoreAsync("shift-image.db");
        await using var broker = await f.StartRealBrokerAsync("prover", store, new BrokerConfigSource(TestConfig()));

        var request = await SubmitAsync(imageUrl, inputUrl: null);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);

        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        Assert.Equal(1, server.Hits("image.elf")); // fetched once, at preflight; proved from the cache
    }

    [Fact]
    public async Task An_input_url_that_serves_other_bytes_after_preflight_does_not_get_the_lock_slashed()
    {
        await using var server = await ShiftyServer.StartAsync();
        var inputUrl = server.Url("input.bin", Encoding.UTF8.GetBytes("input"), Encoding.UTF8.GetBytes("other input"),
            Encoding.UTF8.GetBytes("yet another input"));
        await using var store = await f.StoreAsync("shift-input.db");
        await using var broker = await f.StartRealBrokerAsync("prover", store, new BrokerConfigSource(TestConfig()));

        var request = await SubmitAsync(new Uri(f.GuestPath).AbsoluteUri, inputUrl);
        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);

        Assert.True(order.State == OrderState.Fulfilled, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        Assert.Equal(1, server.Hits("input.bin"));
    }

    /// <summary>An on-chain request for the tiny guest with the given image URL and input URL (null: inline input).</summary>
    private async Task<ProofRequest> SubmitAsync(string imageUrl, string? inputUrl)
    {
        var built = RequestBuilder.Build(new RequestPlan
        {
            Elf = await File.ReadAllBytesAsync(f.GuestPath),
            ImageUrl = imageUrl,
            Input = Encoding.UTF8.GetBytes("input"),
            InputUrl = inputUrl,
            MinPrice = BigInteger.Pow(10, 15),
            MaxPrice = BigInteger.Pow(10, 16),
            RampUpSeconds = 10,
            LockTimeoutSeconds = 600,
            TimeoutSeconds = 1200,
            LockCollateral = BigInteger.Pow(10, 18) * 2,
            Selector = DevelopmentSeal.Selector,
            BiddingDelaySeconds = 0,
        }, f.Address("requestor"), await f.ChainTimeAsync());
        await f.MarketAs("requestor").SubmitRequestAsync(built.Request, f.Sign(built.Request));
        return built.Request;
    }
}
