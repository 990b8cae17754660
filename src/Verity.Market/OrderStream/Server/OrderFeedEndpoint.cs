using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.OrderStream.Server;

/// <summary>
/// GET /v1/orders/ws?after=SEQ (WebSocket): sends every order with seq above SEQ from the store, then each new one as
/// it is accepted, one JSON text message per order (<see cref="OrderRecord"/>), always in seq order and never twice
/// on one connection. The server pings (<see cref="OrderStreamOptions.PingInterval"/>) and drops a peer whose pong
/// does not come back; a subscriber that falls <see cref="OrderStreamOptions.SubscriberBuffer"/> orders behind is
/// closed with 1008 and resumes from the store when it reconnects.
/// </summary>
internal sealed class OrderFeedEndpoint(OrderStreamOptions options, IOrderStore store, OrderFeed feed, CancellationToken stopping)
{
    /// <summary>Orders read from the store per page while catching up.</summary>
    private const int PageSize = 256;

    public void Map(IEndpointRouteBuilder app) => app.Map("/v1/orders/ws", RunAsync);

    private async Task RunAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await JsonResponses.WriteErrorAsync(http, StatusCodes.Status400BadRequest, "this is a WebSocket endpoint: connect with a WebSocket client").ConfigureAwait(false);
            return;
        }
        if (!OrderRoutes.TryQuery(http.Request.Query["after"], 0, long.MaxValue, 0, out long after))
        {
            await JsonResponses.WriteErrorAsync(http, StatusCodes.Status400BadRequest, "after: must be a seq (an integer, 0 or more)").ConfigureAwait(false);
            return;
        }
        // Subscribe before catching up, so that an order accepted during the catch-up is buffered, not missed.
        using var subscription = feed.Subscribe(options.SubscriberBuffer);
        using var ws = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = options.PingInterval,
            KeepAliveTimeout = options.PingInterval,
        }).ConfigureAwait(false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        // A receive must be pending for pongs and the peer's close to be seen; the peer has nothing else to say.
        var receiving = ReceiveUntilClosedAsync(ws, done);
        try
        {
            await SendOrdersAsync(ws, subscription, after, done.Token).ConfigureAwait(false);
            if (subscription.Overflowed)
                await CloseAsync(ws, WebSocketCloseStatus.PolicyViolation, "subscriber fell behind; reconnect and resume").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            if (stopping.IsCancellationRequested) await CloseAsync(ws, WebSocketCloseStatus.EndpointUnavailable, "server stopping").ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // The peer vanished (or missed its pong): nothing to tell it.
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
        }
    }

    private async Task SendOrdersAsync(WebSocket ws, OrderFeed.Subscription subscription, long after, CancellationToken ct)
    {
        long last = await CatchUpAsync(ws, after, long.MaxValue, ct).ConfigureAwait(false);
        await foreach (var order in subscription.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (order.Seq <= last) continue; // sent while catching up
            // Published out of order, or a seq skipped: the store has everything up to this order, in order.
            if (order.Seq > last + 1) last = await CatchUpAsync(ws, last, order.Seq - 1, ct).ConfigureAwait(false);
            await SendAsync(ws, order, ct).ConfigureAwait(false);
            last = order.Seq;
        }
    }

    /// <summary>Sends the stored orders after <paramref name="after"/> up to <paramref name="upTo"/>; returns the last seq sent.</summary>
    private async Task<long> CatchUpAsync(WebSocket ws, long after, long upTo, CancellationToken ct)
    {
        long last = after;
        while (true)
        {
            var page = await store.ListAsync(last, PageSize, ct).ConfigureAwait(false);
            foreach (var order in page)
            {
                if (order.Seq > upTo) return last;
                await SendAsync(ws, order, ct).ConfigureAwait(false);
                last = order.Seq;
            }
            if (page.Count < PageSize) return last;
        }
    }

    private static Task SendAsync(WebSocket ws, StoredOrder order, CancellationToken ct) =>
        ws.SendAsync(OrderRecord.ToUtf8(order), WebSocketMessageType.Text, endOfMessage: true, ct);

    private static async Task ReceiveUntilClosedAsync(WebSocket ws, CancellationTokenSource done)
    {
        var buffer = new byte[1024];
        try
        {
            while (!done.IsCancellationRequested)
            {
                var r = await ws.ReceiveAsync(buffer, done.Token).ConfigureAwait(false);
                if (r.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        // The peer closed or vanished: stop sending to it.
        await done.CancelAsync().ConfigureAwait(false);
    }

    private static async Task CloseAsync(WebSocket ws, WebSocketCloseStatus status, string reason)
    {
        if (ws.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        try
        {
            // A hang guard: a peer that does not read must not hold the server's shutdown.
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ws.CloseOutputAsync(status, reason, guard.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }
}
