using System.Text.Json;
using System.Text.Json.Serialization;

namespace Verity.Broker.Api;

/// <summary>The JSON shape of the broker's API and <c>--json</c> output: snake_case, nulls left out.</summary>
public static class BrokerJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new BigIntegerAsString() },
    };

    /// <summary>Wei amounts pass 2^53: written as decimal strings so no JSON reader rounds them.</summary>
    private sealed class BigIntegerAsString : JsonConverter<System.Numerics.BigInteger>
    {
        public override System.Numerics.BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && System.Numerics.BigInteger.TryParse(reader.GetString(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new JsonException("expected a decimal string");

        public override void Write(Utf8JsonWriter writer, System.Numerics.BigInteger value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
