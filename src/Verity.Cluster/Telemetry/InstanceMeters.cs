using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Verity.Cluster.Telemetry;

/// <summary>
/// The meters of one running instance (a node, a standalone broker). Several instances run in one process (tests,
/// `verity devnet`) and create meters of the same names; a <see cref="MeterProvider"/> selects meters by name only,
/// so each instance creates its meters here — each carries this factory as its <see cref="Meter.Scope"/> — and its
/// provider keeps only the instruments of meters it owns (<see cref="AddTo"/>). Disposing disposes every meter made.
/// </summary>
public sealed class InstanceMeters : IMeterFactory
{
    /// <summary>The meter names an instance's provider listens to: a component's meter is "Verity.&lt;Component&gt;".</summary>
    public const string NamePattern = "Verity.*";

    private readonly Lock _lock = new();
    private readonly List<Meter> _meters = [];
    private bool _disposed;

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Scope != null && !ReferenceEquals(options.Scope, this))
            throw new InvalidOperationException("a meter made by this factory is scoped to it");
        var meter = new Meter(new MeterOptions(options.Name)
        {
            Version = options.Version,
            Tags = options.Tags,
            Scope = this,
            TelemetrySchemaUrl = options.TelemetrySchemaUrl,
        });
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _meters.Add(meter);
        }
        return meter;
    }

    /// <summary>Whether <paramref name="meter"/> was made by this factory.</summary>
    public bool Owns(Meter meter) => ReferenceEquals(meter?.Scope, this);

    /// <summary>
    /// Makes <paramref name="builder"/> export this instance's meters named <see cref="NamePattern"/> and nothing
    /// else: instruments of same-named meters of other instances are dropped by a view (and so never measured).
    /// </summary>
    public MeterProviderBuilder AddTo(MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(NamePattern).AddView(instrument => Owns(instrument.Meter) ? null : MetricStreamConfiguration.Drop);
    }

    public void Dispose()
    {
        Meter[] meters;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            meters = [.. _meters];
            _meters.Clear();
        }
        foreach (var meter in meters) meter.Dispose();
    }
}
