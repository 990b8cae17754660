namespace Verity.Broker.Store;

/// <summary>
/// The few places where the broker's SQL differs between SQLite and PostgreSQL. Amounts are decimal TEXT in SQLite and
/// NUMERIC(78,0) in PostgreSQL (so it can sum them); PostgreSQL needs them cast on the way in and out.
/// </summary>
internal sealed record SqlDialect(bool Postgres)
{
    public static readonly SqlDialect Sqlite = new(false);
    public static readonly SqlDialect Pg = new(true);

    /// <summary>A parameter holding an amount as decimal text.</summary>
    public string BigIn(string parameter) => Postgres ? $"CAST(@{parameter} AS NUMERIC)" : $"@{parameter}";

    /// <summary>An amount column read back as decimal text.</summary>
    public string BigOut(string column) => Postgres ? $"CAST({column} AS TEXT)" : column;

    /// <summary>"<paramref name="column"/> is one of the array parameter": Dapper expands lists for SQLite but hands
    /// Npgsql the array itself, which PostgreSQL takes only through ANY.</summary>
    public string In(string column, string parameter) => Postgres ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>Row locks for a read-then-write inside a transaction (SQLite's write transaction already locks the file).</summary>
    public string ForUpdate => Postgres ? " FOR UPDATE" : "";
}
