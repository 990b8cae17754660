using System.Numerics;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Wire;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>The order stream as the market commands use it: post a signed request, find one by id, list a requestor's.</summary>
internal static class OrderStreamAccess
{
    /// <returns>the order's place in the stream.</returns>
    public static async Task<long> SubmitAsync(MarketSettings settings, ProofRequest request, byte[] signature, CancellationToken ct)
    {
        using var client = new OrderStreamClient(new Uri(settings.RequireOrderStreamUrl()));
        try { return (await client.SubmitAsync(new SignedOrder(request, signature), ct).ConfigureAwait(false)).Seq; }
        catch (OrderStreamException e) { throw new CliFailureException($"the order stream refused the request: {e.Message}"); }
    }

    /// <summary>A lookup in the order stream when one is configured (null otherwise), for <see cref="RequestLookup"/>.</summary>
    public static Func<BigInteger, CancellationToken, Task<FoundRequest?>>? Lookup(MarketSettings settings)
    {
        if (settings.OrderStreamUrl is not { } url) return null;
        return async (id, ct) =>
        {
            using var client = new OrderStreamClient(new Uri(url));
            IReadOnlyList<OrderRecord> found;
            try { found = await client.GetAsync(id, ct).ConfigureAwait(false); }
            catch (OrderStreamException e) { throw new CliFailureException($"the order stream at {url} failed: {e.Message}"); }
            // Several bodies may share an id; the latest one posted is the one a requestor means.
            return found.Count == 0 ? null : new FoundRequest(found[^1].Order.Request, found[^1].Order.Signature, $"order stream {url}");
        };
    }

    /// <summary>The orders the requestor posted (all pages).</summary>
    public static async Task<List<OrderRecord>> ListAsync(MarketSettings settings, string requestor, CancellationToken ct)
    {
        var list = new List<OrderRecord>();
        if (settings.OrderStreamUrl is not { } url) return list;
        using var client = new OrderStreamClient(new Uri(url));
        long after = 0;
        while (true)
        {
            IReadOnlyList<OrderRecord> page;
            try { page = await client.ListAsync(after, null, ct).ConfigureAwait(false); }
            catch (OrderStreamException e) { throw new CliFailureException($"the order stream at {url} failed: {e.Message}"); }
            if (page.Count == 0) return list;
            list.AddRange(page.Where(o => string.Equals(o.Requestor, requestor, StringComparison.OrdinalIgnoreCase)));
            after = page[^1].Seq;
        }
    }
}
