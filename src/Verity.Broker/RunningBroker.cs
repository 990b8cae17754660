using Verity.Broker.Config;
using Verity.Broker.Metrics;
using Verity.Broker.Orders;
using Verity.Broker.Services;
using Verity.Broker.Store;

namespace Verity.Broker;

/// <summary>A started broker: its state, draining, status; disposing stops every service (without draining).</summary>
public sealed class RunningBroker : IAsyncDisposable, Api.IBrokerView
{
    private readonly BrokerContext _ctx;
    private readonly ServiceSupervisor _supervisor;
    private readonly EvaluatorService _evaluator;
    private readonly IReadOnlyList<IDisposable> _owned;
    private int _disposed;

    internal RunningBroker(BrokerContext ctx, ServiceSupervisor supervisor, EvaluatorService evaluator, IReadOnlyList<IDisposable> owned)
    {
        _ctx = ctx;
        _supervisor = supervisor;
        _evaluator = evaluator;
        _owned = owned;
    }

    public string Address => _ctx.Address;
    public IBrokerStore Store => _ctx.Store;
    public BrokerMetrics Metrics => _ctx.Metrics;
    public BrokerConfigSource Config => _ctx.Config;
    public bool Draining => _ctx.Draining;

    /// <summary>Faults (<see cref="ServiceFailedException"/>) when a critical service gave up; never completes otherwise.</summary>
    public Task Faulted => _supervisor.Faulted;

    /// <summary>Stops locking at once (new orders are still priced) and returns when no order is committed any more.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        _ctx.Draining = true;
        while (true)
        {
            if (_supervisor.Faulted.IsFaulted) await _supervisor.Faulted.ConfigureAwait(false);
            var committed = await _ctx.CommittedWorkAsync(ct).ConfigureAwait(false);
            if (committed.Orders == 0) return;
            // Woken by the services' own progress is not observable here: poll the database.
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Refreshes the orders-by-state gauges from the database (before a /metrics scrape).</summary>
    public async Task RefreshMetricsAsync(CancellationToken ct) =>
        _ctx.Metrics.SetStates(await _ctx.Store.CountsAsync(ct).ConfigureAwait(false));

    public async Task<BrokerStatus> StatusAsync(CancellationToken ct)
    {
        var counts = await _ctx.Store.CountsAsync(ct).ConfigureAwait(false);
        _ctx.Metrics.SetStates(counts);
        return new BrokerStatus(_ctx.Address, counts, await _ctx.Store.EarningsAsync(ct).ConfigureAwait(false),
            await _ctx.CommittedWorkAsync(ct).ConfigureAwait(false), _ctx.Draining, _ctx.ListenOnly,
            new Dictionary<string, int>(_supervisor.Failures));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _supervisor.DisposeAsync().ConfigureAwait(false);
        await _evaluator.DrainAsync().ConfigureAwait(false);
        foreach (var d in _owned) d.Dispose();
        _ctx.Metrics.Dispose();
    }
}
