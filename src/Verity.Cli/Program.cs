using System.CommandLine;
using Verity.Cli.Commands;

namespace Verity.Cli;

public static class Program
{
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Verity: a prover node for zero-knowledge proving markets, with its own STARK zkVM.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ParamsCommand.Create());
        return root;
    }
}
