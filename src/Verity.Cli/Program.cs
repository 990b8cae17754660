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
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Bad arguments exit 2 with one line each on stderr, like the commands' own argument checks.
            foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
            return 2;
        }
        // Long-running commands (agent, node) stop gracefully on Ctrl-C / SIGTERM: agents hand their tasks back first.
        return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
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
        root.Subcommands.Add(JobCommand.Create());
        root.Subcommands.Add(AgentCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(Commands.Broker.BrokerCommand.Create());
        root.Subcommands.Add(Commands.Broker.OrdersCommand.Create());
        root.Subcommands.Add(Commands.Aztec.AztecCommand.Create());
        root.Subcommands.Add(Commands.Market.DevnetCommand.Create());
        root.Subcommands.Add(Commands.Market.RequestCommand.Create());
        root.Subcommands.Add(Commands.Market.AccountCommand.Create());
        root.Subcommands.Add(Commands.Market.ProvingCommand.Create());
        root.Subcommands.Add(Commands.Market.OrderStreamCommand.Create());
        return root;
    }

    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r != null; r = r.Parent as System.CommandLine.Parsing.CommandResult) names.Add(r.Command.Name);
        names[^1] = "verity";
        names.Reverse();
        return string.Join(' ', names);
    }
}
