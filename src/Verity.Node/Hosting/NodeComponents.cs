using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Runners;
using Verity.Cluster.Store;
using Verity.Node.Configuration;

namespace Verity.Node.Hosting;

/// <summary>
/// How a node builds the parts that depend on its configuration: the task store (SQLite or PostgreSQL), the blob
/// store (filesystem or S3), the embedded agents' task runner, the metrics and the OTLP exporter. Kept in one place
/// so the host does not depend on the concrete classes and tests can substitute their own.
/// </summary>
public sealed record NodeComponents
{
    /// <summary>The task store for <see cref="NodeOptions.Db"/>; the node migrates it at start and disposes it at stop.</summary>
    public required Func<NodeOptions, ITaskStore> CreateStore { get; init; }

    /// <summary>The blob store for <see cref="NodeOptions.Blobs"/>; disposed at stop if it is disposable.</summary>
    public required Func<NodeOptions, IBlobStore> CreateBlobs { get; init; }

    /// <summary>One task runner per embedded agent worker.</summary>
    public required Func<NodeOptions, ITaskRunner> CreateRunner { get; init; }

    /// <summary>
    /// The cluster metrics, made with the node's meter factory (so they join this node's /metrics only); by default
    /// agents count as live for <see cref="BrokerOptions.LiveAgentWindow"/> after they were heard from.
    /// </summary>
    public Func<NodeOptions, IMeterFactory, ClusterMetrics> CreateMetrics { get; init; } =
        (o, meters) => new ClusterMetrics(o.Broker.LiveAgentWindow, meters: meters);

    /// <summary>
    /// Adds the OTLP exporter for <see cref="NodeOptions.OtlpEndpoint"/> to the node's MeterProvider (called only
    /// when it is set; the provider that serves /metrics, disposed at stop). Null: this build cannot export, and a
    /// node configured to do so refuses to start.
    /// </summary>
    public Action<NodeOptions, MeterProviderBuilder>? ConfigureOtlp { get; init; }

    /// <summary>Components hosted beside the cluster (the market broker): their routes and metrics join the node's.</summary>
    public IReadOnlyList<INodeExtension> Extensions { get; init; } = [];

    /// <summary>The clock of the broker, the job service and the lifecycle.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The filesystem blob store under the data dir (<see cref="NodeOptions.BlobDir"/>).</summary>
    public static IBlobStore FileBlobs(NodeOptions options) => new FileBlobStore(options.BlobDir);
}
