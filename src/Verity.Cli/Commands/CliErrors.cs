using Verity.Cluster.Agents.Http;
using Verity.Cluster.Client;

namespace Verity.Cli.Commands;

/// <summary>A user error: printed as one clear line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);

/// <summary>A command that could not do its job for a reason other than its arguments: printed as one line, exit code 1.</summary>
internal sealed class CliFailureException(string message) : Exception(message);

internal static class CliErrors
{
    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is CliException or ArgumentException or FormatException or IOException)
        {
            // Errors go to stderr so that --json output on stdout stays parseable.
            Console.Error.WriteLine($"error: {Describe(e)}");
            return 2;
        }
    }

    /// <summary>
    /// Runs a command that talks to a node: bad arguments exit 2 (as in <see cref="Run"/>); the node refusing a request,
    /// being unreachable or not answering exits 1; Ctrl-C while waiting exits 130.
    /// </summary>
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (NodeClientException e)
        {
            string hint = e.StatusCode == 401 ? $" (check --api-key, {NodeCredentials.ApiKeyVariable} or the node's {NodeCredentials.FileName})" : "";
            Console.Error.WriteLine($"error: the node refused the request (HTTP {e.StatusCode}): {e.Message}{hint}");
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or HttpIOException or TimeoutException)
        {
            Console.Error.WriteLine($"error: cannot reach the node: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is BrokerRpcException or CliFailureException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
        catch (Exception e) when (e is CliException or ArgumentException or FormatException or IOException)
        {
            Console.Error.WriteLine($"error: {Describe(e)}");
            return 2;
        }
    }

    /// <summary>The message without the " (Parameter 'x')" that ArgumentException appends: users never see parameter names.</summary>
    private static string Describe(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
