using System.CommandLine;
using Verity.Cli.Commands.Market;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// `verity node drain`: asks a node's broker to stop locking and finish every committed order, then the node exits
/// (the safe way to update or stop a prover: no lock left to expire). Waits until the node has gone unless --no-wait.
/// </summary>
internal static class NodeDrainCommand
{
    public static Command Create()
    {
        var node = new NodeClientOptions();
        var noWait = new Option<bool>("--no-wait") { Description = "return once the drain started" };
        var cmd = new Command("drain", "Stop the node's broker from locking, finish every committed order, then stop the node.");
        node.AddTo(cmd);
        cmd.Options.Add(noWait);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            using var client = BrokerApiClient.Create(node, r);
            await client.DrainAsync(ct);
            Console.WriteLine($"{client.Node}: draining — no new locks; committed orders are being finished");
            if (r.GetValue(noWait)) return 0;
            string last = "";
            while (true)
            {
                System.Text.Json.JsonElement status;
                try { status = await client.StatusAsync(ct); }
                catch (HttpRequestException)
                {
                    Console.WriteLine($"{client.Node}: drained and stopped");
                    return 0;
                }
                string line = status.TryGetProperty("committed", out var c) && c.TryGetProperty("orders", out var n)
                    ? $"{n} committed order(s) left" : status.GetRawText();
                if (line != last) Console.WriteLine(line);
                last = line;
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }));
        return cmd;
    }
}
