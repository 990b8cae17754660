namespace Verity.Aztec;

/// <summary>
/// Settings of the Aztec proving-broker endpoint (configuration section <c>Node:Aztec</c>, docs/AZTEC.md §3).
/// Defaults follow Aztec's own broker where it has one (<c>PROVER_BROKER_*</c> in @aztec/prover-client 4.1.2).
/// </summary>
public sealed record AztecOptions
{
    /// <summary>Where the protocol is served (<c>http://HOST:PORT</c>); null: nothing listens.</summary>
    public string? Listen { get; init; }

    /// <summary>An in-progress job not heard from for this long is taken back (<c>PROVER_BROKER_JOB_TIMEOUT_MS</c>).</summary>
    public int JobTimeoutMs { get; init; } = 30_000;

    /// <summary>Attempts a job gets in all, failures and timeouts alike (<c>PROVER_BROKER_JOB_MAX_RETRIES</c>).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// Epochs kept behind the newest one seen: older jobs are refused and deleted
    /// (<c>PROVER_BROKER_MAX_EPOCHS_TO_KEEP_RESULTS_FOR</c>).
    /// </summary>
    public int EpochsToKeep { get; init; } = 1;

    /// <summary>
    /// How far past the newest epoch seen a new job's epoch may be (0: no limit). A job of a far-future epoch would
    /// make every current job stale — refused and deleted — so one stray or hostile enqueue could wipe the queue; Aztec's
    /// own broker has no such limit. Epochs last tens of minutes, so the default covers weeks of a prover node's absence.
    /// </summary>
    public long MaxEpochsAhead { get; init; } = 1000;

    /// <summary>How often timed-out jobs are taken back and old epochs deleted (<c>PROVER_BROKER_POLL_INTERVAL_MS</c>).</summary>
    public int PollIntervalMs { get; init; } = 1_000;

    /// <summary>
    /// The largest request body, in bytes, after gzip is undone (inputs travel inline as <c>data:</c> URIs of several
    /// MiB; Aztec's client splits its batches at 10 MB). Bodies held at once are bounded by four times this.
    /// </summary>
    public long MaxBodyBytes { get; init; } = 64L << 20;

    /// <summary>Calls in one JSON-RPC batch (Aztec's server: 100).</summary>
    public int MaxBatchSize { get; init; } = 100;

    /// <summary>
    /// Source networks allowed to connect, as CIDR blocks ("10.0.0.0/8", "::1/128") or "loopback" / "private".
    /// Aztec's clients send no credentials, so the listener belongs on a private network; empty (the default) admits
    /// loopback and the private ranges (RFC 1918, RFC 4193, link-local, CGNAT) only, as "private" does.
    /// </summary>
    public IReadOnlyList<string> AllowFrom { get; init; } = [];

    /// <summary><see cref="AllowFrom"/>, or "private" when it is empty.</summary>
    public IReadOnlyList<string> EffectiveAllowFrom() => AllowFrom.Count == 0 ? ["private"] : AllowFrom;

    /// <summary>Problems with these settings, one message each naming the setting (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Listen != null)
        {
            if (!Uri.TryCreate(Listen, UriKind.Absolute, out var uri) || uri.Scheme != "http" || uri.AbsolutePath != "/" || uri.Query.Length > 0)
                errors.Add($"Node:Aztec:Listen: '{Listen}' is not an http://HOST:PORT address");
        }
        if (JobTimeoutMs < 100 || JobTimeoutMs > 86_400_000) errors.Add($"Node:Aztec:JobTimeoutMs: {JobTimeoutMs} is not between 100 and 86400000");
        if (MaxAttempts < 1 || MaxAttempts > 100) errors.Add($"Node:Aztec:MaxAttempts: {MaxAttempts} is not between 1 and 100");
        if (EpochsToKeep < 0 || EpochsToKeep > 1_000_000) errors.Add($"Node:Aztec:EpochsToKeep: {EpochsToKeep} is not between 0 and 1000000");
        if (MaxEpochsAhead < 0) errors.Add($"Node:Aztec:MaxEpochsAhead: {MaxEpochsAhead} is negative (0 means no limit)");
        if (PollIntervalMs < 10 || PollIntervalMs > 3_600_000) errors.Add($"Node:Aztec:PollIntervalMs: {PollIntervalMs} is not between 10 and 3600000");
        if (MaxBodyBytes < 1 << 20 || MaxBodyBytes > 2L << 30) errors.Add($"Node:Aztec:MaxBodyBytes: {MaxBodyBytes} is not between 1 MiB and 2 GiB");
        if (MaxBatchSize < 1 || MaxBatchSize > 10_000) errors.Add($"Node:Aztec:MaxBatchSize: {MaxBatchSize} is not between 1 and 10000");
        foreach (var entry in AllowFrom)
            if (!Server.SourceNetworks.TryParseEntry(entry, out _, out var error)) errors.Add($"Node:Aztec:AllowFrom: {error}");
        return errors;
    }
}
