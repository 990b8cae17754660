using System.CommandLine;
using Verity.Cli.Commands;

namespace Verity.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Redirected output (logs, CI, pipes) has no terminal width; do not wrap tables at 80 columns.
        if (Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 })
        {
            Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
            {
                Ansi = Spectre.Console.AnsiSupport.No,
                ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
            });
            if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;
        }
        return BuildRoot().Parse(args).Invoke();
    }

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Verity: a prover node for zero-knowledge proving markets, with its own STARK zkVM.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ExecuteCommand.Create());
        root.Subcommands.Add(ProveCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(ImageIdCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ParamsCommand.Create());
        return root;
    }
}
