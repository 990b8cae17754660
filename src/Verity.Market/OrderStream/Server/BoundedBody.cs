using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Verity.Market.OrderStream.Server;

/// <summary>A request body too large for its route (HTTP 413).</summary>
internal sealed class BodyTooLargeException(string message) : Exception(message);

/// <summary>
/// Reads a request body with a cap: a declared Content-Length over the cap is refused before a byte is read, and a
/// chunked body is cut off as soon as it passes the cap, so memory never grows past the cap.
/// </summary>
internal static class BoundedBody
{
    public static async Task<byte[]> ReadAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.ContentLength is long declared && declared > limit)
            throw new BodyTooLargeException($"the body is {declared} bytes, more than the limit of {limit}");
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } max) max.MaxRequestBodySize = limit;
        using var buffered = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int n;
            while ((n = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffered.Length + n > limit) throw new BodyTooLargeException($"the body is more than the limit of {limit} bytes");
                buffered.Write(chunk, 0, n);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new BodyTooLargeException($"the body is more than the limit of {limit} bytes");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffered.ToArray();
    }
}
