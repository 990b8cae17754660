using System.Data.Common;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Verity.Cluster.Store;
using Verity.Node.Configuration;

namespace Verity.Node.Hosting;

/// <summary>
/// Turns an exception from <see cref="NodeHost.StartAsync"/> into one line for an operator: the setting that led to
/// it and the problem, without a stack trace. The start-up steps fail in few ways (the data dir, its secrets file,
/// the task store, the blob store, the listen address); anything else is still named by its type and message.
/// </summary>
public static class NodeStartFailure
{
    public static string Describe(Exception e, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(options);
        if (e is AggregateException { InnerExceptions.Count: 1 } single) e = single.InnerExceptions[0];
        return e switch
        {
            NodeConfigurationException c => string.Join("; ", c.Errors),
            InvalidDataException => $"Node:DataDir '{options.DataDir}': {e.Message}",
            // The stores wrap their driver's errors; the innermost message says what happened ("Connection refused").
            TaskStoreException or DbException when options.Db == "postgres" =>
                $"Node:Postgres:ConnectionString: cannot use PostgreSQL{PostgresTarget(options)}: {Innermost(e)}",
            TaskStoreException or DbException =>
                $"Node:DataDir '{options.DataDir}': the SQLite database {options.SqlitePath} cannot be used: {Innermost(e)}",
            _ when Find<AddressInUseException>(e) != null =>
                $"Node:Listen '{options.Listen}': the address is already in use (another node, or another program, has the port)",
            // Kestrel throws the socket's error as it is (an address not on this machine) or in an IOException "Failed to bind".
            SocketException or IOException when e is SocketException || e.Message.Contains("bind", StringComparison.OrdinalIgnoreCase) =>
                $"Node:Listen '{options.Listen}': cannot listen there: {Innermost(e)}",
            UnauthorizedAccessException or IOException => $"Node:DataDir '{options.DataDir}': {e.Message}",
            // The components' own checks name their setting in the message.
            ArgumentException => Innermost(e),
            _ => $"{e.GetType().Name}: {Innermost(e)}",
        };
    }

    /// <summary>" at host:port" from the connection string, never its password.</summary>
    private static string PostgresTarget(NodeOptions options)
    {
        try
        {
            var b = new Npgsql.NpgsqlConnectionStringBuilder(options.Postgres.ConnectionString);
            return b.Host is { Length: > 0 } host ? $" at {host}:{b.Port}" : "";
        }
        catch (ArgumentException) { return ""; }
    }

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x != null; x = x.InnerException)
            if (x is T t) return t;
        return null;
    }

    /// <summary>The message of the innermost exception, which says what actually happened ("Connection refused"), on one line.</summary>
    private static string Innermost(Exception e)
    {
        string outer = e.Message;
        while (e.InnerException != null) e = e.InnerException;
        string inner = e.Message;
        string text = inner == outer || outer.Contains(inner, StringComparison.Ordinal) ? outer : $"{outer} ({inner})";
        return text.ReplaceLineEndings(" ");
    }
}
