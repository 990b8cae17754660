using System.Data.Common;
using Npgsql;
using Verity.Node.Configuration;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>The cluster store: a PostgreSQL schema of the test's own (see <c>PostgresDatabaseFixture.NewSchemaAsync</c>).</summary>
public sealed class PostgresStoreTarget(string connectionString) : StoreTarget
{
    public override string Db => "postgres";

    public override NodeOptions Apply(NodeOptions options) =>
        options with { Db = Db, Postgres = new PostgresSettings { ConnectionString = connectionString } };

    public override IReadOnlyList<string> NodeFlags => ["--db", Db, "--postgres", connectionString];

    protected internal override DbConnection Connect() => new NpgsqlConnection(connectionString);
}
