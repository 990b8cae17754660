using System.Text.Json.Nodes;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.Tests.OrderStream;

public class OrderJsonTests
{
    private static JsonObject Valid() => JsonNode.Parse(OrderJson.Serialize(TestOrders.Signed(TestOrders.Alice, 1, 1_700_000_000)))!.AsObject();

    private static string Error(JsonNode json) => Assert.Throws<OrderFormatException>(() => OrderJson.Parse(json.ToJsonString())).Message;

    [Fact]
    public void RoundTripsEveryField()
    {
        var order = TestOrders.Signed(TestOrders.Alice, 7, 1_700_000_123, maxPrice: System.Numerics.BigInteger.Parse("79228162514264337593543950335"), input: [9, 8, 7]);
        string json = OrderJson.Serialize(order);
        var back = OrderJson.Parse(json);
        Assert.Equal(TestOrders.Domain.Hash(order.Request), TestOrders.Domain.Hash(back.Request));
        Assert.Equal(order.Signature, back.Signature);
        Assert.Equal(json, OrderJson.Serialize(back));
        var node = JsonNode.Parse(json)!;
        Assert.Equal("79228162514264337593543950335", (string)node["offer"]!["maxPrice"]!);   // uint256: decimal string
        Assert.Equal(1_700_000_123UL, (ulong)node["offer"]!["biddingStart"]!);                 // uint64: number
        Assert.Equal("0xdeadc0de", (string)node["requirements"]!["selector"]!);                // bytes4: 0x-hex
        Assert.Equal("0x090807", (string)node["input"]!["data"]!);
    }

    [Theory]
    [InlineData("1e5")]
    [InlineData("-1")]
    [InlineData("0x10")]
    [InlineData("")]
    [InlineData("007")]
    public void RefusesANonDecimalUint256NamingTheField(string value)
    {
        var json = Valid();
        json["offer"]!["maxPrice"] = value;
        Assert.Equal("offer.maxPrice: not a decimal integer", Error(json));
    }

    [Fact]
    public void RefusesAUint256GivenAsANumber()
    {
        var json = Valid();
        json["offer"]!["minPrice"] = 5;
        Assert.Equal("offer.minPrice: must be a string", Error(json));
    }

    [Fact]
    public void RefusesAValueAboveUint256()
    {
        var json = Valid();
        json["id"] = (System.Numerics.BigInteger.One << 256).ToString();
        Assert.Equal("id: larger than a uint256", Error(json));
    }

    [Fact]
    public void NamesMissingUnknownAndRepeatedFields()
    {
        var missing = Valid();
        missing["requirements"]!.AsObject().Remove("imageId");
        Assert.Equal("requirements.imageId: missing", Error(missing));

        var unknown = Valid();
        unknown["offer"]!["bonus"] = "1";
        Assert.Equal("offer.bonus: unknown field", Error(unknown));

        string twice = Valid().ToJsonString().Replace("\"imageUrl\":", "\"imageUrl\":\"file:///a\",\"imageUrl\":", StringComparison.Ordinal);
        Assert.Equal("imageUrl: appears twice", Assert.Throws<OrderFormatException>(() => OrderJson.Parse(twice)).Message);
    }

    [Fact]
    public void ChecksFixedByteLengthsAndHex()
    {
        var shortId = Valid();
        shortId["requirements"]!["imageId"] = "0x" + new string('a', 62);
        Assert.Equal("requirements.imageId: must be 32 bytes, got 31", Error(shortId));

        var selector = Valid();
        selector["requirements"]!["selector"] = "0xdeadc0de00";
        Assert.Equal("requirements.selector: must be 4 bytes, got 5", Error(selector));

        var sig = Valid();
        sig["signature"] = "0x1234";
        Assert.Equal("signature: must be 65 bytes, got 2", Error(sig));

        var notHex = Valid();
        notHex["input"]!["data"] = "0xzz";
        Assert.Equal("input.data: not 0x-prefixed hex with an even number of digits", Error(notHex));

        var noPrefix = Valid();
        noPrefix["input"]!["data"] = "abcd";
        Assert.Equal("input.data: not 0x-prefixed hex with an even number of digits", Error(noPrefix));
    }

    [Fact]
    public void ChecksNumbersAndEnums()
    {
        var big = Valid();
        big["offer"]!["timeout"] = 4294967296L;
        Assert.Equal("offer.timeout: not an integer between 0 and 2^32-1", Error(big));

        var fraction = Valid();
        fraction["offer"]!["biddingStart"] = 1.5;
        Assert.Equal("offer.biddingStart: not an integer between 0 and 2^64-1", Error(fraction));

        var predicate = Valid();
        predicate["requirements"]!["predicate"]!["predicateType"] = 2;
        Assert.Equal("requirements.predicate.predicateType: must be one of 0 (DigestMatch), 1 (PrefixMatch)", Error(predicate));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("null")]
    public void RefusesWhatIsNotAnOrderObject(string text)
    {
        var e = Assert.Throws<OrderFormatException>(() => OrderJson.Parse(text));
        Assert.True(e.Message.StartsWith("not valid JSON", StringComparison.Ordinal) || e.Message == "the order: must be a JSON object", e.Message);
    }
}
