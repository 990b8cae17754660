using Spectre.Console;

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
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
    }
}
