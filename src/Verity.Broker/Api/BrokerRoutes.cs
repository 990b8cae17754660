using System.Numerics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;

namespace Verity.Broker.Api;

/// <summary>
/// The broker's REST routes on the node's client API (docs/BROKER.md §7), behind the client API key:
/// <list type="bullet">
/// <item>GET /v1/broker/status → the broker's <c>BrokerStatus</c>;</item>
/// <item>GET /v1/broker/orders?state=S[,S…]&amp;limit=N → <see cref="OrderView"/>s, newest first;</item>
/// <item>GET /v1/broker/orders/{orderId} → one <see cref="OrderView"/> with its history;</item>
/// <item>GET /v1/broker/requests/{requestId} → every order of that request, each with its history;</item>
/// <item>POST /v1/broker/drain → 202: stop locking, finish what is committed, then the node stops.</item>
/// </list>
/// The broker starts after the node (it needs the node's address), so the routes read it through
/// <paramref name="broker"/>: 503 until it runs.
/// </summary>
public static class BrokerRoutes
{
    public const int MaxListLimit = 10_000;

    public static void Map(RouteGroupBuilder v1, Func<IBrokerView?> broker, Action onDrainRequested)
    {
        var group = v1.MapGroup("/broker");
        group.MapGet("/status", async (CancellationToken ct) =>
            broker() is { } b ? Results.Json(await b.StatusAsync(ct).ConfigureAwait(false), BrokerJson.Options) : Starting());
        group.MapGet("/orders", async (string? state, int? limit, CancellationToken ct) =>
        {
            if (broker() is not { } b) return Starting();
            var states = new List<OrderState>();
            foreach (var name in (state ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                try { states.Add(OrderStates.Parse(name)); }
                catch (FormatException)
                {
                    return Error(400, $"state '{name}' is not an order state (one of {string.Join(", ", Enum.GetValues<OrderState>().Select(s => s.Name()))})");
                }
            }
            int n = limit ?? 100;
            if (n < 1 || n > MaxListLimit) return Error(400, $"limit must be 1..{MaxListLimit}, not {n}");
            var orders = await b.Store.ListOrdersAsync(states, n, ct).ConfigureAwait(false);
            return Results.Json(orders.Select(o => OrderView.From(o)).ToList(), BrokerJson.Options);
        });
        group.MapGet("/orders/{orderId}", async (string orderId, CancellationToken ct) =>
        {
            if (broker() is not { } b) return Starting();
            var order = await b.Store.GetOrderAsync(orderId, ct).ConfigureAwait(false);
            if (order is null) return Error(404, $"no order {orderId}");
            var history = await b.Store.EventsAsync(orderId, ct).ConfigureAwait(false);
            return Results.Json(OrderView.From(order, history), BrokerJson.Options);
        });
        group.MapGet("/requests/{requestId}", async (string requestId, CancellationToken ct) =>
        {
            if (broker() is not { } b) return Starting();
            if (!RequestId.TryParse(requestId, out BigInteger id)) return Error(400, $"'{requestId}' is not a request id");
            var views = new List<OrderView>();
            foreach (var order in await b.Store.OrdersOfRequestAsync(id, ct).ConfigureAwait(false))
                views.Add(OrderView.From(order, await b.Store.EventsAsync(order.Id, ct).ConfigureAwait(false)));
            return views.Count == 0 ? Error(404, $"this broker has no order of request {RequestId.Format(id)}") : Results.Json(views, BrokerJson.Options);
        });
        group.MapPost("/drain", () =>
        {
            if (broker() is null) return Starting();
            onDrainRequested();
            return Results.Json(new { draining = true }, BrokerJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
    }

    private static IResult Starting() => Error(503, "the broker is not running yet");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, BrokerJson.Options, statusCode: status);
}
