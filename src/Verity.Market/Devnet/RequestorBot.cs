using System.Numerics;
using Nethereum.JsonRpc.Client;
using Verity.Chain.Contracts;
using Verity.Guests;
using Verity.Market.OrderStream.Client;
using Verity.Market.OrderStream.Wire;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Market.Devnet;

/// <summary>One request the bot drew: the built request, how it is sent, and whether it was made impossible.</summary>
public sealed record BotRequest(BuiltRequest Built, string Guest, bool Impossible, bool OffChain, ulong BuiltAtChainTime)
{
    public ProofRequest Request => Built.Request;
}

/// <summary>A request the bot has submitted: what the devnet's table and summary follow.</summary>
public sealed record SubmittedRequest(BigInteger Id, string Guest, bool Impossible, bool OffChain, long Cycles,
    ulong LockDeadline, ulong Deadline, ulong SubmittedAtChainTime);

/// <summary>
/// The devnet's requestor: at a rate, a random example guest with a random input and a random offer within sane
/// bounds (<see cref="RequestorBotOptions"/>), some with a deadline no prover can meet; signed and sent to the order
/// stream or submitted on chain. Guests are fetched by provers from <c>imageUrls</c> (the devnet's guest server).
/// </summary>
public sealed class RequestorBot
{
    private readonly RequestorBotOptions _options;
    private readonly IReadOnlyDictionary<string, string> _imageUrls;
    private readonly Random _random;
    private readonly object _gate = new();
    private readonly List<SubmittedRequest> _submitted = [];

    /// <param name="imageUrls">guest name (sha256, loop, fibonacci) → the URL it is served at.</param>
    /// <exception cref="ArgumentException">Bad options, or a guest without a URL.</exception>
    public RequestorBot(RequestorBotOptions options, IReadOnlyDictionary<string, string> imageUrls)
    {
        if (options.Problem() is { } problem) throw new ArgumentException($"requestor bot: {problem}", nameof(options));
        foreach (var g in ExampleGuests.All)
            if (!imageUrls.ContainsKey(g.Name)) throw new ArgumentException($"requestor bot: no image URL for the {g.Name} guest", nameof(imageUrls));
        _options = options;
        _imageUrls = imageUrls;
        _random = new Random(options.Seed);
    }

    /// <summary>The requests submitted so far, in order.</summary>
    public IReadOnlyList<SubmittedRequest> Submitted { get { lock (_gate) return [.. _submitted]; } }

    /// <summary>Draws the next request for the chain time <paramref name="chainTime"/> (runs the guest locally).</summary>
    public BotRequest Next(string requestor, ulong chainTime)
    {
        lock (_gate)
        {
            bool impossible = _random.NextDouble() < _options.ImpossibleFraction;
            bool offChain = _random.NextDouble() < _options.OffChainFraction;
            var (guest, input) = impossible
                ? (ExampleGuests.Get("loop"), ExampleGuests.U32Input(_options.ImpossibleLoopIterations))
                : DrawGuestAndInput();
            BigInteger maxPrice = Between(_options.MinMaxPrice, _options.MaxMaxPrice);
            BigInteger minPrice = maxPrice / Between(5, 20);
            BigInteger collateral = Between(_options.MinCollateral, _options.MaxCollateral);
            uint biddingDelay, rampUp, lockTimeout, timeout;
            if (impossible)
            {
                // The auction opens at once and the whole request lasts a few seconds: far less than the loop's
                // millions of cycles take any prover here (RequestorBotOptions.ImpossibleHz).
                (biddingDelay, rampUp, lockTimeout, timeout) = (0, 0, _options.ImpossibleWindowSeconds, _options.ImpossibleWindowSeconds);
            }
            else
            {
                lockTimeout = (uint)_random.NextInt64(_options.MinLockTimeoutSeconds, (long)_options.MaxLockTimeoutSeconds + 1);
                timeout = lockTimeout + (uint)_random.NextInt64(_options.MinExtraTimeoutSeconds, (long)_options.MaxExtraTimeoutSeconds + 1);
                (biddingDelay, rampUp) = (_options.BiddingDelaySeconds, Math.Min(_options.RampUpSeconds, lockTimeout));
            }
            var plan = new RequestPlan
            {
                Elf = guest.Elf,
                ImageUrl = _imageUrls[guest.Name],
                Input = input,
                MinPrice = minPrice,
                MaxPrice = maxPrice,
                LockCollateral = collateral,
                Selector = DevelopmentSeal.Selector,
                BiddingDelaySeconds = biddingDelay,
                RampUpSeconds = rampUp,
                LockTimeoutSeconds = lockTimeout,
                TimeoutSeconds = timeout,
            };
            return new BotRequest(RequestBuilder.Build(plan, requestor, chainTime), guest.Name, impossible, offChain, chainTime);
        }
    }

    /// <summary>Whether <paramref name="request"/> cannot be fulfilled: its cycles need more than
    /// <see cref="RequestorBotOptions.ImpossibleHz"/> between the chain time it was built at and its deadline.</summary>
    public static bool IsImpossible(BotRequest request)
    {
        ulong window = request.Request.Offer.Deadline > request.BuiltAtChainTime ? request.Request.Offer.Deadline - request.BuiltAtChainTime : 0;
        return request.Built.Cycles > window * RequestorBotOptions.ImpossibleHz;
    }

    /// <summary>
    /// Draws, signs and sends one request: off-chain to <paramref name="orderStream"/> (after depositing what the
    /// requestor's balance lacks) or on chain (escrowing the max price). An impossible request is built just after a
    /// fresh block (anvil's <c>evm_mine</c>) so that its few seconds start now, not at a stale block's time.
    /// </summary>
    public async Task<SubmittedRequest> SubmitNextAsync(MarketSession session, OrderStreamClient orderStream, CancellationToken ct)
    {
        await MineAsync(session, ct).ConfigureAwait(false);
        var now = await session.ChainTimeAsync(ct).ConfigureAwait(false);
        var next = Next(session.Address, now);
        var request = next.Request;
        if (next.OffChain)
        {
            var (signature, _) = await RequestorWorkflow.PrepareOffChainAsync(session, request, ct).ConfigureAwait(false);
            await orderStream.SubmitAsync(new SignedOrder(request, signature), ct).ConfigureAwait(false);
        }
        else await RequestorWorkflow.SubmitOnChainAsync(session, request, ct).ConfigureAwait(false);
        var submitted = new SubmittedRequest(request.Id, next.Guest, next.Impossible, next.OffChain, next.Built.Cycles,
            request.Offer.LockDeadline, request.Offer.Deadline, now);
        lock (_gate) _submitted.Add(submitted);
        return submitted;
    }

    /// <summary>Submits at the configured rate until <paramref name="count"/> requests are in (null: until cancelled).</summary>
    /// <param name="onError">a failed submission (logged by the caller; the bot goes on with the next).</param>
    public async Task RunAsync(MarketSession session, OrderStreamClient orderStream, int? count, Action<SubmittedRequest> onSubmitted,
        Action<Exception> onError, CancellationToken ct)
    {
        var interval = TimeSpan.FromMinutes(1 / _options.RatePerMinute);
        while (count is null || Submitted.Count < count)
        {
            try { onSubmitted(await SubmitNextAsync(session, orderStream, ct).ConfigureAwait(false)); }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                onError(e);
            }
            if (count is { } n && Submitted.Count >= n) return;
            await Task.Delay(interval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Slashes, as the requestor, every lock of ours that expired unfulfilled (anyone may; nobody else here does).</summary>
    /// <returns>the request ids slashed now.</returns>
    public static async Task<IReadOnlyList<BigInteger>> SlashExpiredLocksAsync(MarketSession session, DevnetSummary summary, CancellationToken ct)
    {
        var slashed = new List<BigInteger>();
        foreach (var r in summary.Requests.Where(r => r.State == RequestOutcomeState.LockExpired))
        {
            try
            {
                await session.Market.SlashAsync(r.Id, ct).ConfigureAwait(false);
                slashed.Add(r.Id);
            }
            catch (Exception e) when (e.Message.Contains("RequestIsFulfilled", StringComparison.Ordinal)
                                      || e.Message.Contains("RequestIsSlashed", StringComparison.Ordinal))
            {
                // Fulfilled or slashed since the events were read: nothing to do.
            }
        }
        return slashed;
    }

    /// <summary>Mines an empty block so the chain's time is the wall clock's (anvil only mines on transactions).</summary>
    public static async Task MineAsync(MarketSession session, CancellationToken ct) =>
        await session.Web3.Client.SendRequestAsync(new RpcRequest(1, "evm_mine")).WaitAsync(ct).ConfigureAwait(false);

    private (ExampleGuest, byte[]) DrawGuestAndInput()
    {
        var guest = ExampleGuests.All[_random.Next(ExampleGuests.All.Count)];
        byte[] input = guest.Name switch
        {
            "sha256" => RandomBytes(_random.Next(1, 257)),
            "loop" => ExampleGuests.U32Input((uint)_random.Next(100, 2001)),
            "fibonacci" => ExampleGuests.U32Input((uint)_random.Next(10, 3001)),
            _ => throw new InvalidOperationException($"no input rule for the {guest.Name} guest"),
        };
        return (guest, input);
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private BigInteger Between(BigInteger low, BigInteger high)
    {
        if (high <= low) return low;
        // Uniform enough for offers: a random fraction of the span in millionths.
        return low + (high - low) * _random.Next(0, 1_000_001) / 1_000_000;
    }
}
