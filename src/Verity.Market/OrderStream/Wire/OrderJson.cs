using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Verity.Chain.Contracts;

namespace Verity.Market.OrderStream.Wire;

/// <summary>
/// The order stream's wire format: a <see cref="ProofRequest"/> as JSON, field for field as docs/MARKET.md §1 names
/// them, with 0x-hex for bytes/bytes32/bytes4, decimal strings for uint256, JSON numbers for uint8/uint32/uint64, and
/// <c>"signature"</c> (0x-hex, 65 bytes) beside the request's fields. Parsing is strict: a missing, unknown, repeated
/// or mistyped field is an <see cref="OrderFormatException"/> naming it.
/// </summary>
public static class OrderJson
{
    /// <summary>Nesting deeper than the format's own (3 levels) is refused before it is walked.</summary>
    private const int MaxDepth = 8;

    private static readonly BigInteger Uint256Limit = BigInteger.One << 256;

    public static string Serialize(SignedOrder order)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) Write(w, order);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the order as one JSON object.</summary>
    public static void Write(Utf8JsonWriter w, SignedOrder order)
    {
        var r = order.Request;
        w.WriteStartObject();
        w.WriteString("id", r.Id.ToString(CultureInfo.InvariantCulture));
        w.WriteStartObject("requirements");
        w.WriteString("imageId", Hex(r.Requirements.ImageId));
        w.WriteStartObject("predicate");
        w.WriteNumber("predicateType", r.Requirements.Predicate.PredicateType);
        w.WriteString("data", Hex(r.Requirements.Predicate.Data));
        w.WriteEndObject();
        w.WriteString("selector", Hex(r.Requirements.Selector));
        w.WriteEndObject();
        w.WriteString("imageUrl", r.ImageUrl);
        w.WriteStartObject("input");
        w.WriteNumber("inputType", r.Input.InputType);
        w.WriteString("data", Hex(r.Input.Data));
        w.WriteEndObject();
        w.WriteStartObject("offer");
        w.WriteString("minPrice", r.Offer.MinPrice.ToString(CultureInfo.InvariantCulture));
        w.WriteString("maxPrice", r.Offer.MaxPrice.ToString(CultureInfo.InvariantCulture));
        w.WriteNumber("biddingStart", r.Offer.BiddingStart);
        w.WriteNumber("rampUpPeriod", r.Offer.RampUpPeriod);
        w.WriteNumber("lockTimeout", r.Offer.LockTimeout);
        w.WriteNumber("timeout", r.Offer.Timeout);
        w.WriteString("lockCollateral", r.Offer.LockCollateral.ToString(CultureInfo.InvariantCulture));
        w.WriteEndObject();
        w.WriteString("signature", Hex(order.Signature));
        w.WriteEndObject();
    }

    /// <exception cref="OrderFormatException">The text is not JSON or not an order; the message names the field.</exception>
    public static SignedOrder Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    /// <exception cref="OrderFormatException">The bytes are not JSON or not an order; the message names the field.</exception>
    public static SignedOrder Parse(ReadOnlyMemory<byte> utf8)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new OrderFormatException($"not valid JSON: {e.Message}");
        }
        using (doc) return Parse(doc.RootElement);
    }

    /// <exception cref="OrderFormatException">The element is not an order; the message names the field.</exception>
    public static SignedOrder Parse(JsonElement root)
    {
        var o = new Fields(root, "");
        var requirements = o.Object("requirements");
        var predicate = requirements.Object("predicate");
        var input = o.Object("input");
        var offer = o.Object("offer");
        var request = new ProofRequest
        {
            Id = o.Uint256("id"),
            Requirements = new Requirements
            {
                ImageId = requirements.Bytes("imageId", exactLength: 32),
                Predicate = new Predicate
                {
                    PredicateType = predicate.Enum("predicateType", typeof(PredicateType)),
                    Data = predicate.Bytes("data"),
                },
                Selector = requirements.Bytes("selector", exactLength: 4),
            },
            ImageUrl = o.String("imageUrl"),
            Input = new RequestInput
            {
                InputType = input.Enum("inputType", typeof(InputType)),
                Data = input.Bytes("data"),
            },
            Offer = new Offer
            {
                MinPrice = offer.Uint256("minPrice"),
                MaxPrice = offer.Uint256("maxPrice"),
                BiddingStart = offer.Uint64("biddingStart"),
                RampUpPeriod = offer.Uint32("rampUpPeriod"),
                LockTimeout = offer.Uint32("lockTimeout"),
                Timeout = offer.Uint32("timeout"),
                LockCollateral = offer.Uint256("lockCollateral"),
            },
        };
        var signature = o.Bytes("signature", exactLength: 65);
        foreach (var f in new[] { o, requirements, predicate, input, offer }) f.RefuseUnknown();
        return new SignedOrder(request, signature);
    }

    /// <summary>0x-prefixed lower-case hex.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>Parses 0x-hex (an even number of digits, either case); null when it is not.</summary>
    public static byte[]? TryParseHex(string text)
    {
        if (!text.StartsWith("0x", StringComparison.Ordinal) || text.Length % 2 != 0) return null;
        var digits = text.AsSpan(2);
        foreach (char c in digits) if (!char.IsAsciiHexDigit(c)) return null;
        return Convert.FromHexString(digits);
    }

    /// <summary>One JSON object of the order, with the path that names its fields in errors; it remembers which fields
    /// were read so that anything else can be refused.</summary>
    private sealed class Fields
    {
        private readonly Dictionary<string, JsonElement> _props = new(StringComparer.Ordinal);
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);
        private readonly string _path;

        public Fields(JsonElement element, string path)
        {
            _path = path;
            if (element.ValueKind != JsonValueKind.Object)
                throw new OrderFormatException($"{(path.Length == 0 ? "the order" : path)}: must be a JSON object");
            foreach (var p in element.EnumerateObject())
                if (!_props.TryAdd(p.Name, p.Value)) throw new OrderFormatException($"{Name(p.Name)}: appears twice");
        }

        private string Name(string field) => _path.Length == 0 ? field : $"{_path}.{field}";

        private JsonElement Get(string field, JsonValueKind kind, string expected)
        {
            _read.Add(field);
            if (!_props.TryGetValue(field, out var value)) throw new OrderFormatException($"{Name(field)}: missing");
            if (value.ValueKind != kind) throw new OrderFormatException($"{Name(field)}: must be {expected}");
            return value;
        }

        public Fields Object(string field) => new(Get(field, JsonValueKind.Object, "a JSON object"), Name(field));

        public string String(string field) => Get(field, JsonValueKind.String, "a string").GetString()!;

        public byte[] Bytes(string field, int? exactLength = null)
        {
            var bytes = TryParseHex(String(field)) ?? throw new OrderFormatException($"{Name(field)}: not 0x-prefixed hex with an even number of digits");
            if (exactLength is int n && bytes.Length != n)
                throw new OrderFormatException($"{Name(field)}: must be {n} bytes, got {bytes.Length}");
            return bytes;
        }

        public BigInteger Uint256(string field)
        {
            string text = String(field);
            // Decimal digits only: no sign, no exponent, no hex, no leading zeros beyond "0" itself (one spelling per value).
            if (text.Length == 0 || text.Length > 78 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0'))
                throw new OrderFormatException($"{Name(field)}: not a decimal integer");
            var value = BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value >= Uint256Limit) throw new OrderFormatException($"{Name(field)}: larger than a uint256");
            return value;
        }

        public ulong Uint64(string field)
        {
            var e = Get(field, JsonValueKind.Number, "a JSON number");
            if (!e.TryGetUInt64(out ulong v)) throw new OrderFormatException($"{Name(field)}: not an integer between 0 and 2^64-1");
            return v;
        }

        public uint Uint32(string field)
        {
            var e = Get(field, JsonValueKind.Number, "a JSON number");
            if (!e.TryGetUInt32(out uint v)) throw new OrderFormatException($"{Name(field)}: not an integer between 0 and 2^32-1");
            return v;
        }

        public byte Enum(string field, Type enumType)
        {
            var e = Get(field, JsonValueKind.Number, "a JSON number");
            var names = System.Enum.GetValues(enumType).Cast<object>().Select(v => $"{Convert.ToByte(v, CultureInfo.InvariantCulture)} ({v})");
            if (!e.TryGetByte(out byte v) || !System.Enum.IsDefined(enumType, v))
                throw new OrderFormatException($"{Name(field)}: must be one of {string.Join(", ", names)}");
            return v;
        }

        public void RefuseUnknown()
        {
            foreach (var name in _props.Keys)
                if (!_read.Contains(name)) throw new OrderFormatException($"{Name(name)}: unknown field");
        }
    }
}
