using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Verity.Cli.Commands.Broker;
using Verity.Cli.Commands.Market;

namespace Verity.Cli.Commands.Aztec;

/// <summary>
/// `verity aztec status|jobs`: what a node's Aztec proving-broker endpoint holds (docs/AZTEC.md §5) — job counts by
/// Aztec type name and state, and the jobs themselves with their attempts and errors.
/// </summary>
internal static class AztecCommand
{
    public static Command Create()
    {
        var cmd = new Command("aztec", "The Aztec proving jobs a node serves on --aztec-listen: counts by type and state, and the jobs.");
        cmd.Subcommands.Add(Status());
        cmd.Subcommands.Add(Jobs());
        return cmd;
    }

    private static Command Status()
    {
        var node = new NodeClientOptions();
        var limit = new Option<int>("--limit") { Description = "list at most this many jobs (newest first)", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "print the status as JSON" };
        var cmd = new Command("status", "Show the endpoint's settings, jobs by type and state, and the newest jobs.");
        node.AddTo(cmd);
        cmd.Options.Add(limit);
        cmd.Options.Add(json);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            using var client = BrokerApiClient.Create(node, r);
            var status = await client.AztecStatusAsync(r.GetValue(limit), ct);
            if (r.GetValue(json))
            {
                Console.WriteLine(status.GetRawText());
                return 0;
            }
            Console.WriteLine($"Aztec endpoint {BrokerApiClient.Field(status, "listen")}: job timeout {BrokerApiClient.Field(status, "jobTimeoutMs")} ms, " +
                $"{BrokerApiClient.Field(status, "maxAttempts")} attempts, newest epoch {BrokerApiClient.Field(status, "epochHeight")}");
            var types = status.GetProperty("types");
            if (types.GetArrayLength() == 0)
            {
                Console.WriteLine("no jobs");
                return 0;
            }
            Console.WriteLine($"{"type",-36} {"queued",8} {"running",8} {"fulfilled",10} {"rejected",9}");
            foreach (var t in types.EnumerateArray())
                Console.WriteLine($"{BrokerApiClient.Field(t, "type"),-36} {BrokerApiClient.Field(t, "queued"),8} {BrokerApiClient.Field(t, "inProgress"),8} {BrokerApiClient.Field(t, "fulfilled"),10} {BrokerApiClient.Field(t, "rejected"),9}");
            Console.WriteLine();
            PrintJobs(status.GetProperty("jobs"));
            return 0;
        }));
        return cmd;
    }

    private static Command Jobs()
    {
        var node = new NodeClientOptions();
        var state = new Option<string?>("--state") { Description = "only jobs in this state: queued, in_progress, fulfilled or rejected" };
        var limit = new Option<int>("--limit") { Description = "at most this many (newest first)", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "print the jobs as JSON" };
        var cmd = new Command("jobs", "List the Aztec jobs, newest first: type, epoch, state, attempts, last error.");
        node.AddTo(cmd);
        foreach (var o in new Option[] { state, limit, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            using var client = BrokerApiClient.Create(node, r);
            var jobs = await client.AztecJobsAsync(r.GetValue(state), r.GetValue(limit), ct);
            if (r.GetValue(json)) Console.WriteLine(jobs.GetRawText());
            else PrintJobs(jobs);
            return 0;
        }));
        return cmd;
    }

    private static void PrintJobs(JsonElement jobs)
    {
        if (jobs.GetArrayLength() == 0)
        {
            Console.WriteLine("no jobs");
            return;
        }
        Console.WriteLine($"{"id",-24} {"type",-36} {"epoch",6} {"state",-12} {"attempts",8}  {"age",8}  reason / last error");
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var j in jobs.EnumerateArray())
        {
            string age = j.TryGetProperty("createdAt", out var c) ? Age(now - c.GetInt64()) : "-";
            string why = j.TryGetProperty("reason", out var reason) ? reason.GetString()! : j.TryGetProperty("lastError", out var e) ? e.GetString()! : "";
            Console.WriteLine($"{Short(BrokerApiClient.Field(j, "id")),-24} {BrokerApiClient.Field(j, "type"),-36} {BrokerApiClient.Field(j, "epoch"),6} {BrokerApiClient.Field(j, "state"),-12} {BrokerApiClient.Field(j, "attempts"),8}  {age,8}  {why}");
        }
    }

    private static string Age(long ms) => ms switch
    {
        < 0 => "0s",
        < 60_000 => $"{ms / 1000}s",
        < 3_600_000 => $"{ms / 60_000}m",
        _ => (ms / 3_600_000.0).ToString("0.#", CultureInfo.InvariantCulture) + "h",
    };

    /// <summary>Aztec ids are "epoch:TYPE:sha256"; the hash's head and tail are enough to tell them apart.</summary>
    private static string Short(string id) => id.Length > 24 ? id[..12] + "…" + id[^10..] : id;
}
