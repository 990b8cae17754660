
namespace Verity.Market.Proving;

/// <summary>
/// Fetches a request's image or input from its URL (http, https or file) with a size cap, so that a request cannot make
/// a prover download (or read) without bound. Failures are <see cref="ResourceFetchException"/> naming the URL.
/// </summary>
public sealed class ResourceFetcher(HttpClient http)
{
    /// <summary>Default cap: the zkVM's largest ELF is far smaller; inputs of interest too.</summary>
    public const long DefaultMaxBytes = 64L << 20;

    public async Task<byte[]> FetchAsync(string url, string what, long maxBytes, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new ResourceFetchException($"{what} URL '{url}' is not an absolute URL");
        switch (uri.Scheme)
        {
            case "file":
                var path = uri.LocalPath;
                var info = new FileInfo(path);
                if (!info.Exists) throw new ResourceFetchException($"{what} {url}: no such file on this machine (file:// URLs work only where the file is)");
                if (info.Length > maxBytes) throw new ResourceFetchException($"{what} {url} is {info.Length} bytes, over the {maxBytes}-byte limit");
                try { return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ResourceFetchException($"{what} {url}: {e.Message}");
                }
            case "http" or "https":
                try
                {
                    using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                        throw new ResourceFetchException($"{what} {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                    if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
                        throw new ResourceFetchException($"{what} {url} is {declared} bytes, over the {maxBytes}-byte limit");
                    await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    return await ReadCappedAsync(body, url, what, maxBytes, ct).ConfigureAwait(false);
                }
                catch (HttpRequestException e) { throw new ResourceFetchException($"{what} {url}: {e.Message}"); }
            default:
                throw new ResourceFetchException($"{what} URL '{url}': scheme '{uri.Scheme}' is not supported (http, https, file)");
        }
    }

    /// <summary>Reads at most <paramref name="maxBytes"/>: the declared length may be absent or a lie.</summary>
    private static async Task<byte[]> ReadCappedAsync(Stream body, string url, string what, long maxBytes, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > maxBytes) throw new ResourceFetchException($"{what} {url} is over the {maxBytes}-byte limit");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

}

public sealed class ResourceFetchException(string message) : Exception(message);
