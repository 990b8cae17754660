using System.Numerics;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Scenarios;

/// <summary>
/// Hot reload of broker.toml changes the next decision: a broker (real evaluator) whose configuration comes from a
/// file watched by a <see cref="BrokerConfigWatcher"/> takes a request at a low mcycle_price; the file is rewritten
/// with a price no offer can pay; once the watcher reports the reload, an identical request is skipped S-017.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class HotReloadPriceTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task A_reloaded_mcycle_price_makes_the_next_identical_request_too_cheap()
    {
        var dir = Directory.CreateDirectory(Path.Combine(f.Dir, "reload")).FullName;
        var path = Path.Combine(dir, "broker.toml");
        await File.WriteAllTextAsync(path, Toml("\"1 wei\""));
        var (loaded, warnings) = BrokerConfigLoader.Load(path);
        Assert.Empty(warnings);
        Assert.Equal(1, loaded.Market.McyclePrice);
        var config = new BrokerConfigSource(loaded);
        using var watcher = new BrokerConfigWatcher(path, config);
        var high = BigInteger.Pow(10, 18) * 1_000_000; // 10⁶ ETH per million cycles
        var reloaded = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failed = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Reloaded += (c, changes) => { if (c.Market.McyclePrice == high) reloaded.TrySetResult(changes); };
        watcher.ReloadFailed += problems => failed.TrySetResult(problems);

        await using var store = await f.StoreAsync("reload.db");
        await using var broker = await f.StartRealBrokerAsync("prover", store, config);
        var first = (await f.SubmitPlanAsync(null)).Request;
        var taken = await WaitForOrderAsync(store, first.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(taken.State == OrderState.Fulfilled, $"{taken.State.Name()} {taken.Reason} {taken.ReasonDetail}");
        Assert.True(taken.MinimumPrice <= first.Offer.MaxPrice);

        await File.WriteAllTextAsync(path, Toml("\"1000000 ETH\""));
        var done = await Task.WhenAny(reloaded.Task, failed.Task).WaitAsync(HangGuard);
        if (done == failed.Task) Assert.Fail($"the rewritten file was refused: {string.Join("; ", await failed.Task)}");
        Assert.Contains(await reloaded.Task, c => c.Contains("mcycle_price", StringComparison.Ordinal));
        Assert.Equal(high, config.Current.Market.McyclePrice);

        var second = (await f.SubmitPlanAsync(null)).Request;
        var skipped = await WaitForOrderAsync(store, second.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(skipped is { State: OrderState.Skipped, Reason: ReasonCodes.PriceTooLow }, $"{skipped.State.Name()} {skipped.Reason} {skipped.ReasonDetail}");
        Assert.True(skipped.MinimumPrice > second.Offer.MaxPrice, $"minimum {skipped.MinimumPrice}");
        Assert.Equal(RequestStatus.Unknown, await f.Market.RequestStatusAsync(second.Id));
        // The first request's price was the only one paid.
        Assert.Single(await f.Market.LockedLogsAsync(first.Id));
        Assert.Empty(await f.Market.LockedLogsAsync(second.Id));
    }

    /// <summary>The pipeline tests' configuration (PipelineFixture.TestConfig) as broker.toml, at <paramref name="mcyclePrice"/>.</summary>
    private static string Toml(string mcyclePrice) => $"""
        [market]
        mcycle_price = {mcyclePrice}
        peak_prove_khz = 1
        max_concurrent_proofs = 1
        events_poll_ms = 100
        # Only requests submitted after the broker started: the class's chain is shared by its tests.
        lookback_blocks = 0

        [prover]
        segment_po2 = 8
        parameters = "insecure-test"
        status_poll_ms = 100
        max_critical_task_retries = 5

        [batcher]
        batch_poll_time_ms = 100
        min_batch_size = 1
        """;
}
