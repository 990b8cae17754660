using System.Security.Cryptography;
using Verity.Chain.Contracts;

namespace Verity.Market.Requests;

/// <summary>Whether a journal satisfies a request's predicate, exactly as the market checks it on <c>fulfill</c>.</summary>
public static class PredicateCheck
{
    /// <summary>Null when the journal passes; otherwise why not.</summary>
    public static string? Problem(Predicate predicate, ReadOnlySpan<byte> journal)
    {
        switch ((PredicateType)predicate.PredicateType)
        {
            case PredicateType.DigestMatch:
                if (predicate.Data.Length != 32) return $"the DigestMatch predicate holds {predicate.Data.Length} bytes, not 32";
                var digest = SHA256.HashData(journal);
                return digest.AsSpan().SequenceEqual(predicate.Data) ? null
                    : $"sha256(journal) = {Convert.ToHexStringLower(digest)}, but the request wants {Convert.ToHexStringLower(predicate.Data)}";
            case PredicateType.PrefixMatch:
                return journal.StartsWith(predicate.Data) ? null
                    : $"the journal does not start with the request's prefix {Convert.ToHexStringLower(predicate.Data)}";
            default:
                return $"unknown predicate type {predicate.PredicateType}";
        }
    }
}
