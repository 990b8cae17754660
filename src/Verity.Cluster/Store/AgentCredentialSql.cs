namespace Verity.Cluster.Store;

/// <summary>The agent_credentials statements; plain SQL that SQLite and PostgreSQL read the same way.</summary>
internal static class AgentCredentialSql
{
    /// <summary>Inserts, or replaces a revoked credential of the name; changes no row when an active one exists.</summary>
    public const string Add = """
        INSERT INTO agent_credentials (name, token_hash, created_ms, revoked_ms) VALUES (@Name, @Hash, @Now, NULL)
        ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, created_ms = excluded.created_ms, revoked_ms = NULL
        WHERE agent_credentials.revoked_ms IS NOT NULL
        """;

    public const string Revoke = "UPDATE agent_credentials SET revoked_ms = @Now WHERE name = @Name AND revoked_ms IS NULL";

    public const string List = "SELECT name AS Name, created_ms AS CreatedMs, revoked_ms AS RevokedMs FROM agent_credentials ORDER BY name";

    public const string Find = "SELECT name FROM agent_credentials WHERE token_hash = @Hash AND revoked_ms IS NULL";

    /// <summary>The table (schema migration "agent credentials"; the same DDL on both stores).</summary>
    public const string CreateTable = """
        CREATE TABLE agent_credentials (
            name TEXT PRIMARY KEY,                  -- agent ids of this credential start with "<name>/"
            token_hash TEXT NOT NULL UNIQUE,        -- SHA-256 of the token, hex (the token itself is never stored)
            created_ms BIGINT NOT NULL,
            revoked_ms BIGINT                       -- null while the credential is valid
        );
        """;

    public sealed class Row
    {
        public string Name { get; set; } = "";
        public long CreatedMs { get; set; }
        public long? RevokedMs { get; set; }
        public AgentCredential ToCredential() => new(Name, StoreTime.At(CreatedMs), StoreTime.At(RevokedMs));
    }

    /// <exception cref="ArgumentException">Not a credential name (1..64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit).</exception>
    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0])
            || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
            throw new ArgumentException($"'{name}' is not an agent name (1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit)", nameof(name));
    }

    public static void CheckHash(string hash)
    {
        if (hash is not { Length: 64 } || !hash.All(char.IsAsciiHexDigit)) throw new ArgumentException("the token hash must be 64 hex digits", nameof(hash));
    }
}
