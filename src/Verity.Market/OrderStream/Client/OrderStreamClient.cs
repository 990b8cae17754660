using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.OrderStream.Client;

/// <summary>
/// A requestor's and a prover's side of the order stream: submit signed requests, list and look them up, and follow
/// the WebSocket feed (<see cref="SubscribeAsync"/>), reconnecting after a lost connection without missing or
/// repeating an order. Errors carry the server's message.
/// </summary>
public sealed class OrderStreamClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <param name="baseAddress">The server's root, e.g. http://127.0.0.1:8585/.</param>
    /// <param name="http">A client to share (its BaseAddress is ignored); null: one of its own.</param>
    public OrderStreamClient(Uri baseAddress, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (baseAddress.Scheme is not ("http" or "https")) throw new ArgumentException($"the order stream URL must be http or https: {baseAddress}", nameof(baseAddress));
        BaseAddress = new Uri(baseAddress.ToString().TrimEnd('/') + "/");
        _ownsHttp = http is null;
        _http = http ?? new HttpClient();
    }

    public Uri BaseAddress { get; }

    /// <summary>Backoff between reconnects of <see cref="SubscribeAsync"/>: doubles from the first to the last.</summary>
    public TimeSpan MinReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the client pings the server, and how long it waits for the pong before it reconnects.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest feed message accepted (a larger one is a broken server: the client reconnects).</summary>
    public int MaxMessageBytes { get; init; } = 4 << 20;

    /// <summary>Posts an order. 400/409/413/503 come back as <see cref="OrderStreamException"/> with the server's message.</summary>
    public async Task<SubmittedOrder> SubmitAsync(SignedOrder order, CancellationToken ct = default)
    {
        using var content = new StringContent(OrderJson.Serialize(order), Encoding.UTF8, "application/json");
        using var doc = await SendAsync(HttpMethod.Post, "v1/orders", content, ct).ConfigureAwait(false);
        var root = doc.RootElement;
        try
        {
            RequestId.TryParse(root.GetProperty("requestId").GetString() ?? "", out var id);
            var digest = OrderJson.TryParseHex(root.GetProperty("digest").GetString() ?? "") ?? [];
            return new SubmittedOrder(id, digest, root.GetProperty("seq").GetInt64());
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new OrderStreamException(201, $"the order stream's answer is not understood: {root.GetRawText()}", e);
        }
    }

    /// <summary>Up to <paramref name="limit"/> orders after <paramref name="after"/>, in seq order (null: the server's default).</summary>
    public async Task<IReadOnlyList<OrderRecord>> ListAsync(long after = 0, int? limit = null, CancellationToken ct = default)
    {
        string path = $"v1/orders?after={after.ToString(CultureInfo.InvariantCulture)}"
                      + (limit is int n ? $"&limit={n.ToString(CultureInfo.InvariantCulture)}" : "");
        using var doc = await SendAsync(HttpMethod.Get, path, null, ct).ConfigureAwait(false);
        return Records(doc);
    }

    /// <summary>Every order posted under the id (several bodies may share an id); empty when there is none.</summary>
    public async Task<IReadOnlyList<OrderRecord>> GetAsync(BigInteger requestId, CancellationToken ct = default)
    {
        try
        {
            using var doc = await SendAsync(HttpMethod.Get, "v1/orders/" + RequestId.Format(requestId), null, ct).ConfigureAwait(false);
            return Records(doc);
        }
        catch (OrderStreamException e) when (e.StatusCode == 404)
        {
            return [];
        }
    }

    /// <summary>
    /// Follows the feed from after seq <paramref name="after"/> until <paramref name="ct"/> is cancelled: each order
    /// goes to <paramref name="onOrder"/> once, in seq order. A lost connection (server restart, network, missed pong,
    /// dropped for falling behind) is reopened with backoff, resuming after the last order handed over. Returns when
    /// cancelled; throws what <paramref name="onOrder"/> throws, and <see cref="OrderStreamException"/> when the server
    /// refuses the subscription itself (4xx).
    /// </summary>
    /// <param name="onConnection">Told "connected" / "disconnected: why" (null: nothing).</param>
    public async Task SubscribeAsync(long after, Func<OrderRecord, CancellationToken, Task> onOrder, CancellationToken ct,
        Action<string>? onConnection = null)
    {
        ArgumentNullException.ThrowIfNull(onOrder);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        long last = after;
        var delay = MinReconnectDelay;
        while (!ct.IsCancellationRequested)
        {
            bool received = false;
            try
            {
                using var ws = new ClientWebSocket();
                ws.Options.KeepAliveInterval = PingInterval;
                ws.Options.KeepAliveTimeout = PingInterval;
                ws.Options.CollectHttpResponseDetails = true;
                try
                {
                    await ws.ConnectAsync(FeedUri(last), ct).ConfigureAwait(false);
                }
                catch (WebSocketException e) when (ws.HttpStatusCode is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError)
                {
                    throw new OrderStreamException((int)ws.HttpStatusCode, $"the order stream refused the subscription ({(int)ws.HttpStatusCode})", e);
                }
                onConnection?.Invoke("connected");
                await foreach (var message in MessagesAsync(ws, ct).ConfigureAwait(false))
                {
                    var record = OrderRecord.Parse(message.Span);
                    if (record.Seq <= last) continue; // never hand an order over twice
                    await onOrder(record, ct).ConfigureAwait(false);
                    last = record.Seq;
                    received = true;
                }
                onConnection?.Invoke($"disconnected: {ws.CloseStatus} {ws.CloseStatusDescription}".TrimEnd());
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OrderFormatException)
            {
                onConnection?.Invoke($"disconnected: {e.Message}");
            }
            // A connection that delivered something starts the backoff over.
            if (received) delay = MinReconnectDelay;
            try { await Task.Delay(delay, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
    }

    private Uri FeedUri(long after)
    {
        var b = new UriBuilder(new Uri(BaseAddress, "v1/orders/ws")) { Query = "after=" + after.ToString(CultureInfo.InvariantCulture) };
        b.Scheme = b.Scheme == "https" ? "wss" : "ws";
        return b.Uri;
    }

    /// <summary>The feed's text messages, each whole; ends when the server closes.</summary>
    private async IAsyncEnumerable<ReadOnlyMemory<byte>> MessagesAsync(ClientWebSocket ws,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[64 << 10];
        using var message = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct).ConfigureAwait(false);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                if (ws.State == WebSocketState.CloseReceived)
                {
                    try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct).ConfigureAwait(false); }
                    catch (WebSocketException) { }
                }
                yield break;
            }
            if (message.Length + r.Count > MaxMessageBytes)
                throw new WebSocketException($"a feed message is larger than {MaxMessageBytes} bytes");
            message.Write(buffer, 0, r.Count);
            if (!r.EndOfMessage) continue;
            yield return message.ToArray();
            message.SetLength(0);
        }
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new OrderStreamException(null, $"the order stream at {BaseAddress} cannot be reached: {e.Message}", e);
        }
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            JsonDocument? doc = null;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException) { }
            if (response.IsSuccessStatusCode && doc != null) return doc;
            using (doc)
            {
                string message = doc?.RootElement is { ValueKind: JsonValueKind.Object } root
                                 && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                    ? error.GetString()!
                    : $"{(int)response.StatusCode} {response.ReasonPhrase}: {(text.Length > 200 ? text[..200] : text)}";
                throw new OrderStreamException((int)response.StatusCode, message);
            }
        }
    }

    private static IReadOnlyList<OrderRecord> Records(JsonDocument doc)
    {
        if (!doc.RootElement.TryGetProperty("orders", out var orders) || orders.ValueKind != JsonValueKind.Array)
            throw new OrderStreamException(200, "the order stream's answer has no \"orders\" array");
        return [.. orders.EnumerateArray().Select(OrderRecord.Parse)];
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
