using System.Numerics;
using Verity.Broker.Orders;
using Verity.Broker.Store;
using Verity.Chain.Rpc;
using static Verity.Broker.Tests.Services.PipelineFixture;

namespace Verity.Broker.Tests.Faults;

/// <summary>What the fault tests share: an RPC policy that gives up on a held request quickly, and condition waits with a hang guard.</summary>
internal static class FaultWaits
{
    /// <summary>
    /// A held request (RpcFault.Timeout) counts as failed after 2 s instead of 30 s, and retries start quickly, so the
    /// tests spend their time on faults rather than on waiting; the retry logic is the production one.
    /// </summary>
    public static readonly RpcRetryPolicy QuickRpc = new()
    {
        MaxAttempts = 6, InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(400),
        RequestTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the hang guard.</summary>
    public static async Task UntilAsync(string what, Func<Task<bool>> condition, RunningBroker? broker = null)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!await condition())
        {
            if (broker?.Faulted.IsFaulted == true) await broker.Faulted;
            try { await Task.Delay(50, guard.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"hang guard: {what}"); }
        }
    }

    /// <summary>Whether the order's history has a line containing <paramref name="text"/>.</summary>
    public static async Task<bool> HasEventAsync(IBrokerStore store, string orderId, string text) =>
        (await store.EventsAsync(orderId)).Any(e => e.Detail.Contains(text, StringComparison.Ordinal));

    /// <summary>The lock_and_fulfill order of the request (it must exist).</summary>
    public static async Task<Order> LockOrderAsync(IBrokerStore store, BigInteger requestId) =>
        (await store.OrdersOfRequestAsync(requestId)).Single(o => o.Type == FulfillmentType.LockAndFulfill);

    /// <summary>Every order of these requests has ended (none stuck in a committed or waiting state).</summary>
    public static async Task AssertNothingStuckAsync(IBrokerStore store, IEnumerable<BigInteger> requestIds)
    {
        foreach (var id in requestIds)
            foreach (var o in await store.OrdersOfRequestAsync(id))
                if (o.Type == FulfillmentType.LockAndFulfill)
                    Assert.True(o.State.IsEnded(), $"order {o.Id} is stuck in {o.State.Name()}");
    }
}
