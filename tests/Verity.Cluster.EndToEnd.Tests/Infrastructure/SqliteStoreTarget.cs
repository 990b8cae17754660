using System.Data.Common;
using Microsoft.Data.Sqlite;
using Verity.Node.Configuration;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>The embedded store: the SQLite file a node keeps in <paramref name="dataDir"/>.</summary>
public sealed class SqliteStoreTarget(string dataDir) : StoreTarget
{
    /// <summary>Where the node puts the file (the node's own rule, so the test reads the file the node writes).</summary>
    public string Path { get; } = new NodeOptions { DataDir = dataDir }.SqlitePath;

    public override string Db => "sqlite";

    public override NodeOptions Apply(NodeOptions options)
    {
        if (options.DataDir != dataDir) throw new ArgumentException($"a node on this store keeps its data in {dataDir}, not {options.DataDir}", nameof(options));
        return options with { Db = Db };
    }

    public override IReadOnlyList<string> NodeFlags => ["--db", Db];

    // Unpooled, so no handle stays open on the file between reads (the node is killed and restarted on it).
    protected internal override DbConnection Connect() =>
        new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
}
