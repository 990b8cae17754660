using System.Diagnostics;
using Nethereum.Signer;
using Verity.Chain.Contracts;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Server;
using Verity.Market.OrderStream.Storage;
using Verity.Market.OrderStream.Validation;
using Verity.Market.OrderStream.Wire;

namespace Verity.Market.Benchmarks;

/// <summary>What to measure: <see cref="Orders"/> signed requests posted by <see cref="Clients"/> concurrent clients.</summary>
public sealed record OrderStreamBenchmarkSettings(int Orders = 2000, int Clients = 8)
{
    public string? Problem() =>
        Orders < 1 ? "the benchmark needs at least one order"
        : Clients < 1 ? "the benchmark needs at least one client"
        : null;
}

/// <param name="AcceptedPerSecond">Orders accepted (201) per second of posting.</param>
public sealed record OrderStreamBenchmarkResult(int Orders, int Clients, int Accepted, TimeSpan Elapsed, double AcceptedPerSecond, string Store)
{
    public override string ToString() =>
        $"{Accepted}/{Orders} orders accepted by {Clients} concurrent clients in {Elapsed.TotalSeconds:F2} s: {AcceptedPerSecond:F0} orders/s ({Store}, signature and chain checks on)";
}

/// <summary>
/// Throughput of the order stream's POST path: a server on loopback over the given store and chain, every order
/// signature-checked and checked against the chain (clock, status, balance), then stored and published. Signing the
/// orders happens before the clock starts; posting, validation, storage and the answers are timed.
/// </summary>
public static class OrderStreamBenchmark
{
    /// <param name="requestor">The signing key: its market balance must cover each order's max price.</param>
    /// <param name="biddingStart">The orders' bidding start (the chain's time: they must not be expired).</param>
    /// <param name="firstIndex">The first request index (ids must be new on the chain and in the store).</param>
    public static async Task<OrderStreamBenchmarkResult> RunAsync(OrderStreamBenchmarkSettings settings, IOrderStore store, IMarketState chain,
        RequestDigest domain, EthECKey requestor, ulong biddingStart, uint firstIndex = 1, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        var orders = Enumerable.Range(0, settings.Orders)
            .Select(i => Sign(domain, requestor, firstIndex + (uint)i, biddingStart)).ToArray();

        await using var server = await OrderStreamServer.StartAsync(new OrderStreamOptions { Listen = "http://127.0.0.1:0" }, store,
            new OrderValidator(domain, chain, new OrderLimits()), ct: ct).ConfigureAwait(false);
        using var http = new HttpClient();
        var clients = Enumerable.Range(0, settings.Clients).Select(_ => new OrderStreamClient(server.BaseAddress, http)).ToArray();
        int next = -1, accepted = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(client => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < orders.Length)
            {
                await client.SubmitAsync(orders[i], ct).ConfigureAwait(false);
                Interlocked.Increment(ref accepted);
            }
        }, ct))).ConfigureAwait(false);
        clock.Stop();
        return new OrderStreamBenchmarkResult(settings.Orders, settings.Clients, accepted, clock.Elapsed,
            accepted / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), store.Name);
    }

    private static SignedOrder Sign(RequestDigest domain, EthECKey key, uint index, ulong biddingStart)
    {
        var request = new ProofRequest
        {
            Id = RequestId.Create(key.GetPublicAddress(), index),
            Requirements = new Requirements
            {
                ImageId = System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(index)),
                Predicate = new Predicate { PredicateType = (byte)PredicateType.DigestMatch, Data = new byte[32] },
                Selector = [0xde, 0xad, 0xc0, 0xde],
            },
            ImageUrl = "https://images.example/bench.elf",
            Input = new RequestInput { InputType = (byte)InputType.Inline, Data = new byte[256] },
            Offer = new Offer
            {
                MinPrice = 1, MaxPrice = 1000, BiddingStart = biddingStart, RampUpPeriod = 60, LockTimeout = 3600, Timeout = 7200, LockCollateral = 1,
            },
        };
        return new SignedOrder(request, domain.Sign(request, key));
    }
}
