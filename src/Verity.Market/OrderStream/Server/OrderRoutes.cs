using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.OrderStream.Server;

/// <summary>
/// The HTTP API: POST /v1/orders (201 {requestId, digest, seq}; 400 malformed or refused; 409 the digest is already
/// in the stream; 413 too large; 503 the chain or the store cannot be reached), GET /v1/orders?after=&amp;limit=,
/// GET /v1/orders/{requestId}, GET /health. The WebSocket feed is <see cref="OrderFeedEndpoint"/>.
/// </summary>
internal sealed class OrderRoutes(OrderStreamOptions options, IOrderStore store, OrderValidator validator, OrderFeed feed,
    TimeProvider time, Action<string> log)
{
    public void Map(IEndpointRouteBuilder app)
    {
        // Cast to Delegate: as RequestDelegates their IResult would be discarded.
        app.MapPost("/v1/orders", (Delegate)PostAsync);
        app.MapGet("/v1/orders", (Delegate)ListAsync);
        app.MapGet("/v1/orders/{requestId}", GetAsync);
        app.MapGet("/health", (Delegate)HealthAsync);
    }

    private async Task<IResult> PostAsync(HttpContext http)
    {
        var ct = http.RequestAborted;
        SignedOrder order;
        try
        {
            var body = await BoundedBody.ReadAsync(http.Request, options.Limits.MaxBodyBytes, ct).ConfigureAwait(false);
            order = OrderJson.Parse(body);
        }
        catch (BodyTooLargeException e)
        {
            // The rest of the body is not read: the connection cannot carry another request.
            http.Response.Headers.Connection = "close";
            return JsonResponses.Error(StatusCodes.Status413PayloadTooLarge, e.Message);
        }
        catch (OrderFormatException e) { return JsonResponses.Error(StatusCodes.Status400BadRequest, e.Message); }

        ValidatedOrder valid;
        try { valid = await validator.ValidateAsync(order, ct).ConfigureAwait(false); }
        catch (OrderRejectedException e) { return JsonResponses.Error(StatusCodes.Status400BadRequest, e.Message); }

        var request = order.Request;
        var stored = await store.AddAsync(new NewOrder(request.Id, valid.Digest, valid.Requestor, (long)request.Offer.Deadline,
            time.GetUtcNow().ToUnixTimeMilliseconds(), OrderJson.Serialize(order), order.Signature), ct).ConfigureAwait(false);
        string digest = OrderJson.Hex(valid.Digest);
        if (stored is null)
            return JsonResponses.Error(StatusCodes.Status409Conflict, $"an order with digest {digest} is already in the stream");
        feed.Publish(stored);
        log($"order {stored.Seq}: request {RequestId.Format(request.Id)} from {valid.Requestor}, maxPrice {request.Offer.MaxPrice} wei, deadline {request.Offer.Deadline}");
        return JsonResponses.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("requestId", RequestId.Format(request.Id));
            w.WriteString("digest", digest);
            w.WriteNumber("seq", stored.Seq);
            w.WriteEndObject();
        }, StatusCodes.Status201Created);
    }

    private async Task<IResult> ListAsync(HttpContext http)
    {
        var q = http.Request.Query;
        if (!TryQuery(q["after"], 0, long.MaxValue, 0, out long after))
            return JsonResponses.Error(StatusCodes.Status400BadRequest, "after: must be a seq (an integer, 0 or more)");
        if (!TryQuery(q["limit"], 1, options.MaxListLimit, options.DefaultListLimit, out long limit))
            return JsonResponses.Error(StatusCodes.Status400BadRequest, $"limit: must be an integer from 1 to {options.MaxListLimit}");
        var orders = await store.ListAsync(after, (int)limit, http.RequestAborted).ConfigureAwait(false);
        return Orders(orders);
    }

    private async Task<IResult> GetAsync(HttpContext http, string requestId)
    {
        if (!RequestId.TryParse(requestId, out var id))
            return JsonResponses.Error(StatusCodes.Status400BadRequest, $"requestId: not a request id (0x-hex or decimal, at most 192 bits): '{requestId}'");
        var orders = await store.ByRequestIdAsync(id, options.MaxListLimit, http.RequestAborted).ConfigureAwait(false);
        if (orders.Count == 0) return JsonResponses.Error(StatusCodes.Status404NotFound, $"no order for request {RequestId.Format(id)}");
        return Orders(orders);
    }

    private async Task<IResult> HealthAsync(HttpContext http)
    {
        long last = await store.LastSeqAsync(http.RequestAborted).ConfigureAwait(false);
        return JsonResponses.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WriteNumber("lastSeq", last);
            w.WriteNumber("subscribers", feed.Count);
            w.WriteString("chainId", validator.Domain.ChainId.ToString(CultureInfo.InvariantCulture));
            w.WriteString("market", validator.Domain.MarketAddress);
            w.WriteEndObject();
        });
    }

    private static IResult Orders(IReadOnlyList<StoredOrder> orders) => JsonResponses.Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("orders");
        foreach (var o in orders) OrderRecord.Write(w, o);
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>An optional integer query parameter within bounds.</summary>
    internal static bool TryQuery(Microsoft.Extensions.Primitives.StringValues values, long min, long max, long fallback, out long value)
    {
        value = fallback;
        if (values.Count == 0) return true;
        if (values.Count > 1) return false;
        string text = values[0] ?? "";
        return text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit)
               && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }
}
