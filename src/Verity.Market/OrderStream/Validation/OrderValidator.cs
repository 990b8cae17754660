using System.Numerics;
using System.Text;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.OrderStream.Validation;

/// <summary>
/// The checks a posted order must pass before the stream keeps it, cheapest first: well-formed (what the contract
/// would refuse as <c>InvalidRequest</c>, and the stream's size limits), signed by the address in its id under this
/// market's EIP-712 domain, not expired by the chain's clock, not already locked or finished on chain, and funded
/// (the requestor's market balance covers maxPrice). Each failure is an <see cref="OrderRejectedException"/> naming
/// the problem; a chain that cannot be read is a <see cref="MarketStateUnavailableException"/>.
/// </summary>
public sealed class OrderValidator(RequestDigest domain, IMarketState chain, OrderLimits limits)
{
    private static readonly BigInteger IdLimit = BigInteger.One << 192;

    public RequestDigest Domain { get; } = domain;
    public OrderLimits Limits { get; } = limits;

    public async Task<ValidatedOrder> ValidateAsync(SignedOrder order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        CheckWellFormed(order.Request);
        var digest = Domain.Hash(order.Request);
        var requestor = RequestId.Requestor(order.Request.Id);
        var signer = Domain.RecoverSigner(order.Request, order.Signature)
            ?? throw new OrderRejectedException("signature: not a valid 65-byte low-s ECDSA signature (r ‖ s ‖ v with v 27 or 28)");
        if (!string.Equals(signer, requestor, StringComparison.OrdinalIgnoreCase))
            throw new OrderRejectedException(
                $"signature: signed by {signer}, not by the requestor {requestor} named in the id (or signed for another market or chain)");

        // The three reads are independent: one round trip's wait instead of three.
        var nowRead = chain.ChainTimeAsync(ct);
        var statusRead = chain.RequestStatusAsync(order.Request.Id, ct);
        var balanceRead = chain.BalanceOfAsync(requestor, ct);
        try { await Task.WhenAll(nowRead, statusRead, balanceRead).ConfigureAwait(false); }
        catch (Exception)
        {
            // Each failed read rethrows its own error below, where its check comes.
        }
        var now = await nowRead.ConfigureAwait(false);
        ulong deadline = order.Request.Offer.Deadline;
        if (deadline <= now)
            throw new OrderRejectedException($"offer: expired: its deadline {deadline} is not after the chain's time {now}");

        var status = await statusRead.ConfigureAwait(false);
        if (status != RequestStatus.Unknown)
            throw new OrderRejectedException($"id: request {RequestId.Format(order.Request.Id)} is already {status.ToString().ToLowerInvariant()} on chain");

        var balance = await balanceRead.ConfigureAwait(false);
        if (balance < order.Request.Offer.MaxPrice)
            throw new OrderRejectedException(
                $"offer.maxPrice: the requestor {requestor} has {balance} wei deposited in the market, less than maxPrice {order.Request.Offer.MaxPrice}");
        return new ValidatedOrder(order, digest, requestor);
    }

    /// <summary>The checks that need no chain: the contract's <c>InvalidRequest</c> rules and the stream's limits.</summary>
    /// <exception cref="OrderRejectedException">The first problem found.</exception>
    public void CheckWellFormed(ProofRequest r)
    {
        if (r.Id >= IdLimit) throw new OrderRejectedException("id: has bits above the requestor's address (an id is address << 32 | index)");
        if ((r.Id >> 32).IsZero) throw new OrderRejectedException("id: names the zero address as requestor");
        if (r.Offer.Problem() is { } problem) throw new OrderRejectedException($"offer: {problem}");
        if (r.Offer.BiddingStart > long.MaxValue - uint.MaxValue)
            throw new OrderRejectedException("offer.biddingStart: too large (biddingStart + timeout must fit in 63 bits)");

        var q = r.Requirements;
        if (q.ImageId.Length != 32) throw new OrderRejectedException($"requirements.imageId: must be 32 bytes, got {q.ImageId.Length}");
        if (q.Selector.Length != 4) throw new OrderRejectedException($"requirements.selector: must be 4 bytes, got {q.Selector.Length}");
        if (q.Selector.All(b => b == 0)) throw new OrderRejectedException("requirements.selector: must not be zero");
        switch ((PredicateType)q.Predicate.PredicateType)
        {
            case PredicateType.DigestMatch when q.Predicate.Data.Length != 32:
                throw new OrderRejectedException($"requirements.predicate.data: a DigestMatch predicate holds a 32-byte journal digest, got {q.Predicate.Data.Length} bytes");
            case PredicateType.DigestMatch:
                break;
            case PredicateType.PrefixMatch when q.Predicate.Data.Length > Limits.MaxPredicateBytes:
                throw new OrderRejectedException($"requirements.predicate.data: {q.Predicate.Data.Length} bytes, more than the limit of {Limits.MaxPredicateBytes}");
            case PredicateType.PrefixMatch:
                break;
            default:
                throw new OrderRejectedException($"requirements.predicate.predicateType: unknown type {q.Predicate.PredicateType}");
        }

        CheckUrl("imageUrl", r.ImageUrl);
        switch ((InputType)r.Input.InputType)
        {
            case InputType.Inline when r.Input.Data.Length > Limits.MaxInlineInputBytes:
                throw new OrderRejectedException(
                    $"input.data: inline input of {r.Input.Data.Length} bytes is larger than the limit of {Limits.MaxInlineInputBytes}; give a URL instead");
            case InputType.Inline:
                break;
            case InputType.Url:
                string url;
                try { url = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(r.Input.Data); }
                catch (DecoderFallbackException) { throw new OrderRejectedException("input.data: a URL input must be UTF-8 text"); }
                CheckUrl("input.data", url);
                break;
            default:
                throw new OrderRejectedException($"input.inputType: unknown type {r.Input.InputType}");
        }
    }

    private void CheckUrl(string field, string url)
    {
        int bytes = Encoding.UTF8.GetByteCount(url);
        if (bytes == 0) throw new OrderRejectedException($"{field}: empty; expected an http, https or file URL");
        if (bytes > Limits.MaxUrlBytes) throw new OrderRejectedException($"{field}: the URL is {bytes} bytes, more than the limit of {Limits.MaxUrlBytes}");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new OrderRejectedException($"{field}: not an absolute URL: '{Shorten(url)}'");
        bool ok = uri.Scheme switch
        {
            "http" or "https" => uri.Host.Length > 0,
            "file" => uri.AbsolutePath.Length > 1,
            _ => false,
        };
        if (!ok) throw new OrderRejectedException($"{field}: '{Shorten(url)}' is not an http, https or file URL");
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
