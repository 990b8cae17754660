using System.Text;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Validation;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.Tests.OrderStream;

public class OrderValidatorTests
{
    private readonly InMemoryMarketState _chain = new();
    private readonly OrderValidator _validator;

    public OrderValidatorTests()
    {
        _validator = new OrderValidator(TestOrders.Domain, _chain, new OrderLimits { MaxInlineInputBytes = 1024 });
        _chain.Deposit(TestOrders.Address(TestOrders.Alice), 1_000_000);
    }

    private SignedOrder Order(Action<ProofRequest>? change = null, ulong? start = null)
    {
        var r = TestOrders.Request(TestOrders.Alice, 1, start ?? _chain.Now);
        change?.Invoke(r);
        return TestOrders.Sign(r, TestOrders.Alice);
    }

    private async Task<string> Rejected(SignedOrder order) =>
        (await Assert.ThrowsAsync<OrderRejectedException>(() => _validator.ValidateAsync(order))).Message;

    [Fact]
    public async Task AcceptsAFundedSignedUnexpiredOrder()
    {
        var order = Order();
        var valid = await _validator.ValidateAsync(order);
        Assert.Equal(TestOrders.Domain.Hash(order.Request), valid.Digest);
        Assert.Equal(TestOrders.Address(TestOrders.Alice), valid.Requestor, ignoreCase: true);
    }

    [Fact]
    public async Task RefusesASignatureByAnotherKey()
    {
        var r = TestOrders.Request(TestOrders.Alice, 1, _chain.Now);
        var message = await Rejected(TestOrders.Sign(r, TestOrders.Bob));
        Assert.Contains($"signed by {TestOrders.Address(TestOrders.Bob)}", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not by the requestor", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesASignatureForAnotherMarket()
    {
        var r = TestOrders.Request(TestOrders.Alice, 1, _chain.Now);
        var other = new RequestDigest(31337, "0x0000000000000000000000000000000000000001");
        Assert.Contains("signature: signed by", await Rejected(TestOrders.Sign(r, TestOrders.Alice, other)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesATamperedRequest()
    {
        var order = Order();
        order.Request.Offer.MaxPrice += 1; // signed for the old price
        Assert.Contains("signature: signed by", await Rejected(order), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesAMalformedSignature()
    {
        var order = Order();
        order.Signature[64] = 29;
        Assert.StartsWith("signature: not a valid 65-byte", await Rejected(order), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusesAnOrderPastItsDeadlineByTheChainsClock()
    {
        var order = Order(start: _chain.Now - 1200); // deadline = now
        Assert.StartsWith($"offer: expired: its deadline {_chain.Now}", await Rejected(order), StringComparison.Ordinal);
        _chain.Now -= 1;
        await _validator.ValidateAsync(order);
    }

    [Fact]
    public async Task RefusesAnUnfundedRequestor()
    {
        var order = Order(r => r.Offer.MaxPrice = 1_000_001);
        var message = await Rejected(order);
        Assert.StartsWith("offer.maxPrice: the requestor", message, StringComparison.Ordinal);
        Assert.Contains("has 1000000 wei deposited", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RequestStatus.Locked)]
    [InlineData(RequestStatus.Fulfilled)]
    [InlineData(RequestStatus.Slashed)]
    [InlineData(RequestStatus.Refunded)]
    public async Task RefusesARequestAlreadyOnChain(RequestStatus status)
    {
        var order = Order();
        _chain.SetStatus(order.Request.Id, status);
        Assert.EndsWith($"is already {status.ToString().ToLowerInvariant()} on chain", await Rejected(order), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableChainIsNotARejection()
    {
        _chain.Down = true;
        await Assert.ThrowsAsync<MarketStateUnavailableException>(() => _validator.ValidateAsync(Order()));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "minAboveMax", "offer: minPrice must be between 0 and maxPrice" },
        { "rampAboveLock", "offer: rampUpPeriod must not exceed lockTimeout" },
        { "zeroSelector", "requirements.selector: must not be zero" },
        { "shortDigest", "requirements.predicate.data: a DigestMatch predicate holds a 32-byte journal digest, got 31 bytes" },
        { "ftpImage", "imageUrl: 'ftp://images.example/a.elf' is not an http, https or file URL" },
        { "relativeImage", "imageUrl: not an absolute URL: 'images/a.elf'" },
        { "longImage", "imageUrl: the URL is 2069 bytes, more than the limit of 2048" },
        { "bigInput", "input.data: inline input of 1025 bytes is larger than the limit of 1024; give a URL instead" },
        { "badInputUrl", "input.data: 'gopher://x/y' is not an http, https or file URL" },
        { "idTooWide", "id: has bits above the requestor's address (an id is address << 32 | index)" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task RefusesMalformedRequestsNamingTheProblem(string what, string expected)
    {
        Action<ProofRequest> change = what switch
        {
            "minAboveMax" => r => r.Offer.MinPrice = r.Offer.MaxPrice + 1,
            "rampAboveLock" => r => r.Offer.RampUpPeriod = r.Offer.LockTimeout + 1,
            "zeroSelector" => r => r.Requirements.Selector = new byte[4],
            "shortDigest" => r => r.Requirements.Predicate.Data = new byte[31],
            "ftpImage" => r => r.ImageUrl = "ftp://images.example/a.elf",
            "relativeImage" => r => r.ImageUrl = "images/a.elf",
            "longImage" => r => r.ImageUrl = "https://images.example/" + new string('a', 2046),
            "bigInput" => r => r.Input.Data = new byte[1025],
            "badInputUrl" => r => r.Input = new RequestInput { InputType = (byte)InputType.Url, Data = Encoding.UTF8.GetBytes("gopher://x/y") },
            "idTooWide" => r => r.Id |= System.Numerics.BigInteger.One << 200,
            _ => throw new ArgumentException(what),
        };
        Assert.Equal(expected, await Rejected(Order(change)));
    }

    [Fact]
    public async Task AcceptsUrlInputsAndPrefixPredicates()
    {
        await _validator.ValidateAsync(Order(r =>
        {
            r.Input = new RequestInput { InputType = (byte)InputType.Url, Data = Encoding.UTF8.GetBytes("file:///var/inputs/a.bin") };
            r.Requirements.Predicate = new Predicate { PredicateType = (byte)PredicateType.PrefixMatch, Data = [1, 2] };
        }));
    }
}
