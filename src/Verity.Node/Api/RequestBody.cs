using System.Buffers;
using Verity.Cluster.Broker;

namespace Verity.Node.Api;

/// <summary>
/// Reads a request body with a size cap, refusing an oversized one before buffering it: by its Content-Length when
/// the client sent one, else as soon as the bytes read pass the cap; memory grows with the bytes that arrived, never
/// with the length a client declares. Kestrel's own limit is off; every route that reads a body caps it here.
/// </summary>
internal static class RequestBody
{
    /// <summary>A body that sends nothing for this long is cut off (408) unless the caller gives its own timeout.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Bytes allocated up front for a declared length; a larger body grows its buffer as its bytes arrive, so a
    /// client that declares a large body and stalls holds no more memory than it has sent.</summary>
    private const int MaxUpFront = 64 << 10;

    /// <exception cref="ClientErrorException">413 when the body is larger than <paramref name="limit"/>; 400 when it ends
    /// early or runs past its declared length; 408 when it stalls for <paramref name="idle"/>.</exception>
    /// <param name="idle">A body that sends nothing for this long is cut off (408); default <see cref="DefaultIdleTimeout"/>.</param>
    public static async Task<byte[]> ReadAsync(HttpRequest request, long limit, string what, CancellationToken ct, TimeSpan? idle = null)
    {
        Stream body = UploadBody.Open(request, limit, what, idle ?? DefaultIdleTimeout);
        long? declared = request.ContentLength;
        if (declared is long small && small <= MaxUpFront)
        {
            var exact = new byte[small];
            int got = await body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (got < exact.Length) throw ClientErrorException.BadRequest($"{what} ended after {got} of its {small} bytes");
            return exact;
        }

        using var buffered = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int n;
            while ((n = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffered.Length + n > limit) throw ClientErrorException.TooLarge($"{what} is larger than the limit of {limit} bytes");
                buffered.Write(chunk, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        if (declared is long expected && buffered.Length != expected)
            throw ClientErrorException.BadRequest($"{what} ended after {buffered.Length} of its {expected} bytes");
        return buffered.ToArray();
    }
}
