using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Verity.Broker.Orders;
using Verity.Cli.Commands.Market;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// `verity orders list|show|reasons`: what a node's broker decided about each request and why — state, reason code,
/// price, cycles, gas, earnings, history (docs/BROKER.md §7).
/// </summary>
internal static class OrdersCommand
{
    public static Command Create()
    {
        var cmd = new Command("orders", "The broker's orders: what it decided about each request, and why.");
        cmd.Subcommands.Add(List());
        cmd.Subcommands.Add(Show());
        cmd.Subcommands.Add(Reasons());
        return cmd;
    }

    private static Command List()
    {
        var node = new NodeClientOptions();
        var state = new Option<string?>("--state") { Description = "only these states, comma-separated (e.g. proving,failed)" };
        var limit = new Option<int>("--limit") { Description = "at most this many (newest first)", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "print the orders as JSON" };
        var cmd = new Command("list", "List the broker's orders, newest first.");
        node.AddTo(cmd);
        foreach (var o in new Option[] { state, limit, json }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            using var client = BrokerApiClient.Create(node, r);
            var orders = await client.OrdersAsync(r.GetValue(state), r.GetValue(limit), ct);
            if (r.GetValue(json))
            {
                Console.WriteLine(orders.GetRawText());
                return 0;
            }
            if (orders.GetArrayLength() == 0)
            {
                Console.WriteLine("no orders");
                return 0;
            }
            Console.WriteLine($"{"request",-20} {"type",-26} {"state",-16} {"reason",-7} {"cycles",10} {"earned (wei)",22}");
            foreach (var o in orders.EnumerateArray())
            {
                Console.WriteLine($"{Short(BrokerApiClient.Field(o, "request_id")),-20} {BrokerApiClient.Field(o, "type"),-26} {BrokerApiClient.Field(o, "state"),-16} {BrokerApiClient.Field(o, "reason"),-7} " +
                    $"{(o.TryGetProperty("cycles", out var c) ? c.GetInt64().ToString("N0", CultureInfo.InvariantCulture) : "-"),10} {BrokerApiClient.Field(o, "earned_wei"),22}");
            }
            return 0;
        }));
        return cmd;
    }

    private static Command Show()
    {
        var node = new NodeClientOptions();
        var id = new Argument<string>("id") { Description = "an order id (as `orders list --json` shows it) or a request id: every order of that request" };
        var json = new Option<bool>("--json") { Description = "print JSON" };
        var cmd = new Command("show", "Show an order (or every order of a request): state, reason, prices, cycles, gas, earnings and history.");
        node.AddTo(cmd);
        cmd.Arguments.Add(id);
        cmd.Options.Add(json);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            using var client = BrokerApiClient.Create(node, r);
            string text = r.GetValue(id)!;
            // Order ids hold dashes (request-digest-type); request ids never do.
            var result = text.Contains('-') ? await client.OrderAsync(text, ct) : await client.RequestOrdersAsync(text, ct);
            if (r.GetValue(json))
            {
                Console.WriteLine(result.GetRawText());
                return 0;
            }
            var orders = result.ValueKind == JsonValueKind.Array ? result.EnumerateArray().ToList() : [result];
            foreach (var o in orders) Print(o);
            return 0;
        }));
        return cmd;
    }

    private static Command Reasons()
    {
        var cmd = new Command("reasons", "List every skip, loss and failure reason code with its meaning.");
        cmd.SetAction(_ =>
        {
            foreach (var (code, meaning) in ReasonCodes.All) Console.WriteLine($"{code}  {meaning}");
            return 0;
        });
        return cmd;
    }

    private static void Print(JsonElement o)
    {
        Console.WriteLine($"order      {BrokerApiClient.Field(o, "id")}");
        Console.WriteLine($"request    {BrokerApiClient.Field(o, "request_id")} from {BrokerApiClient.Field(o, "requestor")} ({BrokerApiClient.Field(o, "source")})");
        Console.WriteLine($"type       {BrokerApiClient.Field(o, "type")}");
        Console.WriteLine($"state      {BrokerApiClient.Field(o, "state")}" + (o.TryGetProperty("reason", out var reason)
            ? $" — {reason.GetString()}: {BrokerApiClient.Field(o, "reason_meaning")}" + (o.TryGetProperty("reason_detail", out var d) ? $" ({d.GetString()})" : "")
            : ""));
        Console.WriteLine($"offer      {BrokerApiClient.Field(o, "min_price")}..{BrokerApiClient.Field(o, "max_price")} wei, collateral {BrokerApiClient.Field(o, "collateral")}, lock deadline {BrokerApiClient.Field(o, "lock_deadline")}, deadline {BrokerApiClient.Field(o, "deadline")}");
        if (o.TryGetProperty("cycles", out var cycles)) Console.WriteLine($"cycles     {cycles.GetInt64():N0}");
        if (o.TryGetProperty("minimum_price", out var minimum)) Console.WriteLine($"our price  ≥ {minimum.GetString()} wei (target time {BrokerApiClient.Field(o, "target_time")})");
        if (o.TryGetProperty("lock_price", out var lockPrice)) Console.WriteLine($"locked at  {lockPrice.GetString()} wei (tx {BrokerApiClient.Field(o, "lock_transaction")})");
        if (o.TryGetProperty("proving_job_id", out var job)) Console.WriteLine($"proving    job {job.GetString()}, attempts {BrokerApiClient.Field(o, "proving_attempts")}");
        if (o.TryGetProperty("fulfill_transaction", out var fill)) Console.WriteLine($"fulfilled  tx {fill.GetString()} (batch {BrokerApiClient.Field(o, "batch_id")})");
        Console.WriteLine($"money      earned {BrokerApiClient.Field(o, "earned_wei")} wei, bounty {BrokerApiClient.Field(o, "bounty_earned")}, gas {BrokerApiClient.Field(o, "gas_spent_wei")} wei{(o.TryGetProperty("slashed", out var s) && s.GetBoolean() ? ", SLASHED" : "")}");
        if (o.TryGetProperty("history", out var history))
        {
            Console.WriteLine("history");
            foreach (var e in history.EnumerateArray())
                Console.WriteLine($"  {e.GetProperty("at").GetDateTimeOffset().ToLocalTime():yyyy-MM-dd HH:mm:ss}  {BrokerApiClient.Field(e, "kind"),-9} {BrokerApiClient.Field(e, "detail")}");
        }
        Console.WriteLine();
    }

    private static string Short(string id) => id.Length > 20 ? id[..10] + "…" + id[^8..] : id;
}
