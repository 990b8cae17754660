using System.Buffers;
using Verity.Cluster.Broker;

namespace Verity.Node.Api;

/// <summary>
/// Reads a request body with a size cap, refusing an oversized one before buffering it: by its Content-Length when
/// the client sent one, else as soon as the bytes read pass the cap. Kestrel's own limit is off; every route that
/// reads a body caps it here.
/// </summary>
internal static class RequestBody
{
    /// <exception cref="ClientErrorException">413 when the body is larger than <paramref name="limit"/>; 400 when it ends early.</exception>
    /// <param name="idle">When given, a body that sends nothing for this long is cut off (408).</param>
    public static async Task<byte[]> ReadAsync(HttpRequest request, long limit, string what, CancellationToken ct, TimeSpan? idle = null)
    {
        Stream body = idle is { } timeout ? UploadBody.Open(request, limit, what, timeout) : request.Body;
        if (request.ContentLength is long declared)
        {
            if (declared > limit) throw ClientErrorException.TooLarge($"{what} is {declared} bytes; the limit is {limit}");
            var exact = new byte[declared];
            int got = await body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (got < exact.Length) throw ClientErrorException.BadRequest($"{what} ended after {got} of its {declared} bytes");
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
        return buffered.ToArray();
    }
}
