using System.CommandLine;

namespace Verity.Cli.Commands.Market;

/// <summary>`verity request …`: the requestor's side of the market.</summary>
internal static class RequestCommand
{
    public static Command Create()
    {
        var request = new Command("request", "Ask the market for proofs: submit a request, follow it, get its journal, reclaim an expired lock's price.");
        request.Subcommands.Add(RequestSubmitCommand.Create());
        request.Subcommands.Add(RequestStatusCommands.CreateStatus());
        request.Subcommands.Add(RequestStatusCommands.CreateWait());
        request.Subcommands.Add(RequestStatusCommands.CreateList());
        request.Subcommands.Add(RequestStatusCommands.CreateRefund());
        return request;
    }
}
