using System.Numerics;
using System.Text;
using System.Text.Json;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Storage;

namespace Verity.Market.OrderStream.Wire;

/// <summary>
/// An order as the stream serves it (GET /v1/orders, the WebSocket feed): its place in the stream and what the server
/// checked, around the order itself. JSON: <c>{"seq":n,"requestId":"0x…","digest":"0x…","requestor":"0x…",
/// "deadline":n,"createdMs":n,"order":{…}}</c>.
/// </summary>
public sealed record OrderRecord(long Seq, BigInteger RequestId, byte[] Digest, string Requestor, long Deadline, long CreatedMs, SignedOrder Order)
{
    /// <summary>Writes a stored order in the record's JSON form (the stored body is the order's canonical JSON).</summary>
    public static void Write(Utf8JsonWriter w, StoredOrder o)
    {
        w.WriteStartObject();
        w.WriteNumber("seq", o.Seq);
        w.WriteString("requestId", Chain.Contracts.RequestId.Format(o.RequestId));
        w.WriteString("digest", OrderJson.Hex(o.Digest));
        w.WriteString("requestor", o.Requestor);
        w.WriteNumber("deadline", o.Deadline);
        w.WriteNumber("createdMs", o.CreatedMs);
        w.WritePropertyName("order");
        w.WriteRawValue(o.Body, skipInputValidation: true);
        w.WriteEndObject();
    }

    public static byte[] ToUtf8(StoredOrder o)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) Write(w, o);
        return buffer.ToArray();
    }

    /// <exception cref="OrderFormatException">Not a record; the message names the field.</exception>
    public static OrderRecord Parse(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new OrderFormatException("an order record must be a JSON object");
        long seq = Number(e, "seq");
        string idText = Text(e, "requestId");
        if (!Chain.Contracts.RequestId.TryParse(idText, out var id)) throw new OrderFormatException($"requestId: not a request id: '{idText}'");
        var digest = OrderJson.TryParseHex(Text(e, "digest")) is { Length: 32 } d ? d : throw new OrderFormatException("digest: not 32 bytes of 0x-hex");
        if (!e.TryGetProperty("order", out var order)) throw new OrderFormatException("order: missing");
        return new OrderRecord(seq, id, digest, Text(e, "requestor"), Number(e, "deadline"), Number(e, "createdMs"), OrderJson.Parse(order));
    }

    public static OrderRecord Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var doc = JsonDocument.Parse(utf8.ToArray());
            return Parse(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new OrderFormatException($"not valid JSON: {e.Message}: {Encoding.UTF8.GetString(utf8[..Math.Min(utf8.Length, 200)])}");
        }
    }

    private static long Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n)
            ? n : throw new OrderFormatException($"{name}: missing or not an integer");

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()! : throw new OrderFormatException($"{name}: missing or not a string");
}
