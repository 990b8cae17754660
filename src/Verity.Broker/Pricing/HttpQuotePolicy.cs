using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Verity.Broker.Config;

namespace Verity.Broker.Pricing;

/// <summary>
/// Asks an operator's service for the price (docs/BROKER.md §4.2): <c>POST quote_url</c> with the request as JSON
/// (amounts as decimal strings, ids 0x hex); 200 <c>{"min_price":"&lt;wei&gt;"}</c> bids, 200 <c>{"no_bid":"&lt;reason&gt;"}</c>
/// declines. Anything else — a non-2xx status, a body that is neither, a negative or non-integer price, no answer within
/// <c>quote_timeout_ms</c>, a connection failure — is <see cref="QuoteResult.Failed"/> naming what was wrong; nothing
/// here throws for a bad answer. The URL and timeout are read from the configuration of each call (hot reload).
/// </summary>
public sealed class HttpQuotePolicy(HttpClient http) : IQuotePolicy
{
    /// <summary>Most of an answer read (a quote is a few dozen bytes).</summary>
    private const int MaxAnswerBytes = 64 * 1024;

    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));

    public async Task<QuoteResult> QuoteAsync(QuoteRequest request, BrokerConfig config, CancellationToken ct)
    {
        var url = config.Market.QuoteUrl ?? throw new InvalidOperationException("quote_url is not set: use the built-in quote policy");
        int timeoutMs = Math.Max(1, config.Market.QuoteTimeoutMilliseconds);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(timeoutMs);
        try
        {
            using var content = new StringContent(Body(request), Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(url, content, timeout.Token).ConfigureAwait(false);
            string text = await ReadCappedAsync(response.Content, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                return QuoteResult.Failed($"quote service {url} answered {(int)response.StatusCode} {response.ReasonPhrase}{Excerpt(text)}");
            return Parse(text, url);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return QuoteResult.Failed($"quote service {url} did not answer within quote_timeout_ms {timeoutMs}");
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or InvalidDataException)
        {
            return QuoteResult.Failed($"quote service {url}: {e.Message}");
        }
    }

    /// <summary>The JSON sent (snake_case keys of §4.2).</summary>
    internal static string Body(QuoteRequest r)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("request_id", Orders.RequestIds.Hex(r.RequestId));
            w.WriteString("requestor", r.Requestor);
            w.WriteString("image_id", r.ImageId);
            w.WriteNumber("cycles", r.Cycles);
            w.WriteNumber("journal_bytes", r.JournalBytes);
            w.WriteNumber("lock_deadline", r.LockDeadline);
            w.WriteNumber("deadline", r.Deadline);
            w.WriteString("current_price", r.CurrentPrice.ToString(CultureInfo.InvariantCulture));
            w.WriteString("min_price", r.MinPrice.ToString(CultureInfo.InvariantCulture));
            w.WriteString("max_price", r.MaxPrice.ToString(CultureInfo.InvariantCulture));
            w.WriteString("collateral", r.Collateral.ToString(CultureInfo.InvariantCulture));
            w.WriteString("gas_cost", r.GasCost.ToString(CultureInfo.InvariantCulture));
            w.WriteString("fulfillment_type", r.FulfillmentType);
            w.WriteNumber("chain_time", r.ChainTime);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static QuoteResult Parse(string text, Uri url)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException) { return QuoteResult.Failed($"quote service {url} answered something that is not JSON{Excerpt(text)}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return QuoteResult.Failed($"quote service {url} answered JSON that is not an object{Excerpt(text)}");
            bool hasPrice = root.TryGetProperty("min_price", out var price);
            bool hasNoBid = root.TryGetProperty("no_bid", out var noBid);
            if (hasPrice == hasNoBid)
                return QuoteResult.Failed($"quote service {url} answered neither exactly one of min_price and no_bid{Excerpt(text)}");
            if (hasNoBid)
                return noBid.ValueKind == JsonValueKind.String
                    ? QuoteResult.Decline(noBid.GetString()!)
                    : QuoteResult.Failed($"quote service {url}: no_bid is not a string{Excerpt(text)}");
            if (price.ValueKind != JsonValueKind.String
                || price.GetString() is not { Length: > 0 and <= 80 } s || !s.All(char.IsAsciiDigit)
                || !BigInteger.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var wei))
                return QuoteResult.Failed($"quote service {url}: min_price is not a decimal string of wei{Excerpt(text)}");
            return QuoteResult.Bid(wei);
        }
    }

    private static async Task<string> ReadCappedAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[MaxAnswerBytes + 1];
        int total = 0, n;
        while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false)) > 0) total += n;
        if (total > MaxAnswerBytes) throw new InvalidDataException($"the answer is over {MaxAnswerBytes} bytes");
        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static string Excerpt(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return "";
        return ": " + (text.Length > 200 ? text[..200] + "…" : text);
    }
}
