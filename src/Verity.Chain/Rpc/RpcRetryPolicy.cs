namespace Verity.Chain.Rpc;

/// <summary>
/// How the RPC client retries transient failures (connection refused/reset, timeouts, HTTP 429 and 5xx):
/// <see cref="MaxAttempts"/> tries in all, waiting <see cref="InitialDelay"/> · 2^(n−1) between them, at most
/// <see cref="MaxDelay"/>, with ±20 % jitter so many clients do not retry in step.
/// </summary>
public sealed record RpcRetryPolicy
{
    public static RpcRetryPolicy Default { get; } = new();

    public int MaxAttempts { get; init; } = 5;
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>How long one request may take before it counts as a (transient) timeout.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (attempt counts from 1).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var ms = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(2, exponent), MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    internal void Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "at least one attempt");
        if (InitialDelay < TimeSpan.Zero || MaxDelay < InitialDelay)
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), "need 0 ≤ InitialDelay ≤ MaxDelay");
        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "must be positive");
    }
}
