using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Runners;
using Verity.Cluster.Store;
using Verity.Cluster.Store.Postgres;
using Verity.Cluster.Store.Sqlite;
using Verity.Node.Configuration;

namespace Verity.Node.Hosting;

/// <summary>The real parts a node runs with: the configured task store and blob store, the zkVM runner, OTLP export.</summary>
public static class DefaultComponents
{
    /// <summary>
    /// Components for <paramref name="runner"/> (default: a <see cref="ZkvmTaskRunner"/> per worker sharing one run
    /// cache, so the tasks of a job reuse the executed run and its proving plan in this process).
    /// </summary>
    public static NodeComponents Create(Func<NodeOptions, ITaskRunner>? runner = null)
    {
        var cache = new RunCache();
        return new NodeComponents
        {
            CreateStore = CreateStore,
            CreateBlobs = CreateBlobs,
            CreateRunner = runner ?? (_ => new ZkvmTaskRunner(cache)),
            ConfigureOtlp = (o, metrics) => metrics.AddOtlpExport(o.OtlpEndpoint!),
        };
    }

    public static ITaskStore CreateStore(NodeOptions o) => o.Db switch
    {
        "postgres" => new PostgresTaskStore(o.Postgres.ConnectionString
            ?? throw new ArgumentException("Node:Postgres:ConnectionString is required for Node:Db = postgres"), o.Broker.Policies),
        _ => new SqliteTaskStore(o.SqlitePath, o.Broker.Policies, o.SqliteBusyTimeout),
    };

    public static IBlobStore CreateBlobs(NodeOptions o) => o.Blobs switch
    {
        "s3" => new S3BlobStore(new S3BlobOptions
        {
            ServiceUrl = o.S3.ServiceUrl ?? throw new ArgumentException("Node:S3:ServiceUrl is required for Node:Blobs = s3"),
            Bucket = o.S3.Bucket ?? throw new ArgumentException("Node:S3:Bucket is required for Node:Blobs = s3"),
            Region = o.S3.Region,
            AccessKey = o.S3.AccessKey,
            SecretKey = o.S3.SecretKey,
            KeyPrefix = string.IsNullOrEmpty(o.S3.KeyPrefix) ? null : o.S3.KeyPrefix,
            ForcePathStyle = o.S3.ForcePathStyle,
        }),
        _ => NodeComponents.FileBlobs(o),
    };
}
