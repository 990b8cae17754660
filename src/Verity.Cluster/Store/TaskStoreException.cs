namespace Verity.Cluster.Store;

/// <summary>
/// A task store could not do what was asked because of its database (closed, unreachable, missing schema, I/O): the
/// message names the store and the operation that failed; the database's own exception is the inner exception.
/// </summary>
public sealed class TaskStoreException(string store, string operation, Exception inner)
    : Exception($"{store}: {operation} failed: {inner.Message}", inner)
{
    /// <summary>Which store failed, e.g. "PostgreSQL task store (127.0.0.1:5432/verity)".</summary>
    public string Store { get; } = store;

    /// <summary>The operation that failed, e.g. "claim".</summary>
    public string Operation { get; } = operation;
}
