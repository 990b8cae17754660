using System.Text.Json;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Tests.Services;
using Verity.Broker.Tests.Support;
using Verity.Chain.Contracts;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Scenarios;

/// <summary>
/// A request whose lock timeout is too short for its cycles at the broker's peak_prove_khz: the real evaluator skips
/// it with S-019 (deadline infeasible), the REST API shows the code and its meaning, and no lock is sent.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class InfeasibleDeadlineTests(PipelineFixture f) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task A_lock_timeout_too_short_for_the_cycles_is_skipped_with_S019_and_never_locked()
    {
        const uint lockTimeout = 120;
        static Verity.Market.Requests.RequestPlan Short(Verity.Market.Requests.RequestPlan p) =>
            p with { LockTimeoutSeconds = lockTimeout, TimeoutSeconds = 2 * lockTimeout };
        long cycles = (await f.BuildAsync(Short)).Cycles;
        // A throughput at which proving these cycles takes ten lock timeouts; the other limits leave the request alone
        // (min_deadline 20 s and a 10 s buffer, so S-002 does not come first).
        double khz = cycles / 1000.0 / (10.0 * lockTimeout);
        var test = TestConfig();
        var config = new BrokerConfigSource(test with
        {
            Market = test.Market with { PeakProveKhz = khz, LookbackBlocks = 0, MinDeadlineSeconds = 20 },
            Batcher = test.Batcher with { BlockDeadlineBufferSeconds = 10 },
        });
        await using var store = await f.StoreAsync("infeasible.db");
        var nonce = await f.NonceAsync("prover");
        await using var broker = await f.StartRealBrokerAsync("prover", store, config);
        var request = (await f.SubmitPlanAsync(Short)).Request;

        var order = await WaitForOrderAsync(store, request.Id, o => o.State.IsEnded(), broker: broker);
        Assert.True(order is { State: OrderState.Skipped, Reason: ReasonCodes.DeadlineInfeasible }, $"{order.State.Name()} {order.Reason} {order.ReasonDetail}");
        Assert.Contains("kHz", order.ReasonDetail);
        Assert.Contains($"lock deadline {request.Offer.LockDeadline}", order.ReasonDetail);
        Assert.Contains(await store.EventsAsync(order.Id), e => e.Kind == "skip" && e.Detail.StartsWith(ReasonCodes.DeadlineInfeasible, StringComparison.Ordinal));
        Assert.Equal(1, broker.Metrics.SkipCount(ReasonCodes.DeadlineInfeasible));

        // What `verity orders show` reads: GET /v1/broker/orders/{id}.
        await using (var api = await BrokerApiHost.StartAsync(broker))
        {
            using var response = await api.Client.GetAsync($"v1/broker/orders/{order.Id}");
            Assert.True(response.IsSuccessStatusCode, $"GET order: {(int)response.StatusCode}");
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var view = json.RootElement;
            Assert.Equal("skipped", view.GetProperty("state").GetString());
            Assert.Equal(ReasonCodes.DeadlineInfeasible, view.GetProperty("reason").GetString());
            Assert.Equal(ReasonCodes.Describe(ReasonCodes.DeadlineInfeasible), view.GetProperty("reason_meaning").GetString());
            Assert.Equal(order.ReasonDetail, view.GetProperty("reason_detail").GetString());
            Assert.Contains(view.GetProperty("history").EnumerateArray(),
                e => e.GetProperty("detail").GetString()!.StartsWith(ReasonCodes.DeadlineInfeasible, StringComparison.Ordinal));
        }

        // No lock: nothing sent, nothing locked on chain.
        Assert.Equal(nonce, await f.NonceAsync("prover"));
        Assert.Equal(RequestStatus.Unknown, await f.Market.RequestStatusAsync(request.Id));
        Assert.Empty(await f.Market.LockedLogsAsync(request.Id));
    }
}
