using System.CommandLine;
using System.Globalization;
using Verity.Cluster.Protocol;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity node agents add | list | revoke`: per-agent credentials of a running node (its admin API, with the API
/// key). They live in the node's task store, so every node on the same database accepts them.
/// </summary>
internal static class NodeAgentsCommand
{
    public static Command Create()
    {
        var agents = new Command("agents", "Manage per-agent tokens: each agent its own, bound to its name, revocable.");
        agents.Subcommands.Add(Add());
        agents.Subcommands.Add(List());
        agents.Subcommands.Add(Revoke());
        return agents;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "the agent's name (a-z, 0-9, '.', '_', '-'); run the agent with --name <name>" };

    private static Command Add()
    {
        var name = NameArgument();
        var node = new NodeClientOptions();
        var cmd = new Command("add", "Create an agent token and print it (once: only its hash is kept).");
        cmd.Arguments.Add(name);
        node.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            using var client = node.CreateClient(r);
            var created = await client.AddAgentAsync(r.GetValue(name)!, ct);
            Console.WriteLine(created.Token);
            Console.Error.WriteLine($"agent '{created.Name}': run it with `verity agent --name {created.Name} --token <the token above>`; it is not shown again");
            return 0;
        }));
        return cmd;
    }

    private static Command List()
    {
        var node = new NodeClientOptions();
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var cmd = new Command("list", "List agent credentials (names and dates, never tokens).");
        cmd.Options.Add(json);
        node.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            using var client = node.CreateClient(r);
            var list = await client.ListAgentsAsync(ct);
            if (r.GetValue(json)) Console.WriteLine(ClusterJson.Serialize(list));
            else
                foreach (var a in list)
                    Console.WriteLine($"{a.Name}\tcreated {a.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}\t" +
                                      (a.RevokedAt is { } at ? $"revoked {at.ToString("u", CultureInfo.InvariantCulture)}" : "valid"));
            return 0;
        }));
        return cmd;
    }

    private static Command Revoke()
    {
        var name = NameArgument();
        var node = new NodeClientOptions();
        var cmd = new Command("revoke", "Revoke an agent's token: its requests get 401 (on other nodes of the cluster within seconds).");
        cmd.Arguments.Add(name);
        node.AddTo(cmd);
        cmd.SetAction((r, ct) => CliErrors.RunAsync(async () =>
        {
            using var client = node.CreateClient(r);
            await client.RevokeAgentAsync(r.GetValue(name)!, ct);
            Console.WriteLine($"revoked agent '{r.GetValue(name)}'");
            return 0;
        }));
        return cmd;
    }
}
