namespace Verity.Cli.Commands;

/// <summary>A user error: printed as one clear line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);

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
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
