namespace Verity.Chain.Rpc;

/// <summary>
/// Seeded random faults for <see cref="RpcFaultProxy"/>: each request draws one number from a <see cref="Random"/>
/// seeded with <see cref="Seed"/>, so the same sequence of requests meets the same faults. Rates are probabilities
/// per request; their sum must be at most 1.
/// </summary>
public sealed record RpcFaultSchedule
{
    public int Seed { get; init; }
    public double JsonRpcErrorRate { get; init; }
    public double RateLimitedRate { get; init; }
    public double HttpErrorRate { get; init; }
    public double TimeoutRate { get; init; }
    public double DropRate { get; init; }

    /// <summary>Only these JSON-RPC methods meet faults (null: every method).</summary>
    public IReadOnlySet<string>? Methods { get; init; }

    /// <exception cref="ArgumentOutOfRangeException">A rate outside 0..1, or rates summing to more than 1.</exception>
    public void Validate()
    {
        foreach (var (name, rate) in Rates())
            if (rate is < 0 or > 1 || double.IsNaN(rate))
                throw new ArgumentOutOfRangeException(name, rate, $"{name} must be in 0..1");
        var sum = Rates().Sum(r => r.Rate);
        if (sum > 1 + 1e-9) throw new ArgumentOutOfRangeException(nameof(Rates), sum, $"the fault rates sum to {sum}, more than 1");
    }

    /// <summary>The fault for one request given a uniform draw in [0, 1).</summary>
    internal RpcFault Pick(double draw)
    {
        double edge = 0;
        foreach (var (fault, rate) in new[]
                 {
                     (RpcFault.JsonRpcError, JsonRpcErrorRate), (RpcFault.RateLimited, RateLimitedRate), (RpcFault.HttpError, HttpErrorRate),
                     (RpcFault.Timeout, TimeoutRate), (RpcFault.Drop, DropRate),
                 })
        {
            edge += rate;
            if (draw < edge) return fault;
        }
        return RpcFault.None;
    }

    private IEnumerable<(string Name, double Rate)> Rates() =>
    [
        (nameof(JsonRpcErrorRate), JsonRpcErrorRate), (nameof(RateLimitedRate), RateLimitedRate), (nameof(HttpErrorRate), HttpErrorRate),
        (nameof(TimeoutRate), TimeoutRate), (nameof(DropRate), DropRate),
    ];
}
