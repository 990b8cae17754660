using Verity.Broker.Orders;

namespace Verity.Broker.Preflight;

/// <summary>
/// What a preflight found: the guest's cycles and journal (exit code 0), or why the request is skipped — a
/// <see cref="ReasonCodes"/> code (S-009, S-010, S-011, S-012, S-023, S-024) and a detail line naming what failed.
/// </summary>
/// <param name="ImageId">the request's image id, lower-case hex without 0x</param>
/// <param name="InputDigest">SHA-256 of the input, lower-case hex (null when the input could not be had)</param>
/// <param name="JobId">the execute-only cluster job (null when none ran)</param>
/// <param name="Cached">true when this answer came from the result cache or a preflight another caller started</param>
public sealed record PreflightResult(string ImageId, string? InputDigest, string? JobId, long? Cycles, byte[]? Journal,
    string? Reason, string? Detail, bool Cached = false)
{
    public bool Succeeded => Reason is null;

    public static PreflightResult Skip(string imageId, string? inputDigest, string? jobId, string reason, string detail) =>
        new(imageId, inputDigest, jobId, null, null, reason, detail);
}
