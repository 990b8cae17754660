using System.Security.Cryptography;
using System.Text;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Market.Proving;
using Verity.Vm;

namespace Verity.Broker.Preflight;

/// <summary>
/// A request's image and input, fetched once and kept on disk under <c>cache_dir</c> (docs/BROKER.md §4 step 2):
/// images under <c>images/{image id}.elf</c>, stored only after the ELF was loaded and found to have the request's
/// image id — so a cached image is valid for any request of that id, whatever its URL; URL inputs under
/// <c>inputs/{sha256(url)}.bin</c>. Fetches obey <c>max_file_size</c> and are retried <c>max_fetch_retries</c> times
/// (network URLs only: a local file answers the same every time). Files are written to a temporary name and renamed,
/// so a crash never leaves a half file under a cache name. The prover fetches through the same cache.
/// </summary>
public sealed class ResourceCache
{
    private readonly ResourceFetcher _fetcher;
    private readonly string _images;
    private readonly string _inputs;

    /// <param name="fetcher">fetches http(s) and file URLs with a size cap</param>
    /// <param name="cacheDir">the cache directory (created when missing)</param>
    public ResourceCache(ResourceFetcher fetcher, string cacheDir)
    {
        _fetcher = fetcher ?? throw new ArgumentNullException(nameof(fetcher));
        if (string.IsNullOrWhiteSpace(cacheDir)) throw new ArgumentException("the cache directory is empty", nameof(cacheDir));
        _images = Directory.CreateDirectory(Path.Combine(cacheDir, "images")).FullName;
        _inputs = Directory.CreateDirectory(Path.Combine(cacheDir, "inputs")).FullName;
    }

    /// <summary>
    /// The request's ELF, checked to load and to have the request's image id.
    /// </summary>
    /// <exception cref="ResourceProblem">S-009 (fetch failed, over max_file_size) or S-010 (another image id, not an ELF).</exception>
    public async Task<byte[]> ImageAsync(ProofRequest request, MarketConfig config, CancellationToken ct)
    {
        string imageId = Convert.ToHexStringLower(request.Requirements.ImageId);
        string path = Path.Combine(_images, imageId + ".elf");
        if (File.Exists(path)) return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);

        long max = Math.Min(config.MaxFileSize, ElfLoader.MaxImageBytes);
        byte[] elf = await FetchAsync(request.ImageUrl, "image", max, config, ct).ConfigureAwait(false);
        ProgramImage image;
        try { image = ElfLoader.Load(elf, ElfLoader.MaxImageBytes); }
        catch (Exception e) when (e is ElfFormatException or ArgumentException)
        {
            throw new ResourceProblem(ReasonCodes.ImageIdMismatch, $"the image at {request.ImageUrl} is not a loadable guest ELF: {e.Message}");
        }
        string actual = image.ImageId.ToHex();
        if (actual != imageId)
            throw new ResourceProblem(ReasonCodes.ImageIdMismatch, $"the image at {request.ImageUrl} has image id {actual}, not the request's {imageId}");
        await WriteAtomicallyAsync(path, elf, ct).ConfigureAwait(false);
        return elf;
    }

    /// <summary>The request's input: inline bytes, or fetched from its URL (cached by URL).</summary>
    /// <exception cref="ResourceProblem">S-023 (unknown input type, not a UTF-8 URL) or S-009 (fetch failed, too large).</exception>
    public async Task<byte[]> InputAsync(ProofRequest request, MarketConfig config, CancellationToken ct)
    {
        switch ((InputType)request.Input.InputType)
        {
            case InputType.Inline:
                if (request.Input.Data.Length > config.MaxFileSize)
                    throw new ResourceProblem(ReasonCodes.FetchFailed, $"the inline input is {request.Input.Data.Length} bytes, over max_file_size {config.MaxFileSize}");
                return request.Input.Data;
            case InputType.Url:
                string url;
                try { url = new UTF8Encoding(false, true).GetString(request.Input.Data); }
                catch (DecoderFallbackException) { throw new ResourceProblem(ReasonCodes.MalformedRequest, "the input URL is not UTF-8"); }
                string path = Path.Combine(_inputs, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url))) + ".bin");
                if (File.Exists(path) && new FileInfo(path).Length <= config.MaxFileSize)
                    return await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
                byte[] input = await FetchAsync(url, "input", config.MaxFileSize, config, ct).ConfigureAwait(false);
                await WriteAtomicallyAsync(path, input, ct).ConfigureAwait(false);
                return input;
            default:
                throw new ResourceProblem(ReasonCodes.MalformedRequest, $"input type {request.Input.InputType} is neither inline (0) nor URL (1)");
        }
    }

    /// <summary>
    /// One fetch with its retries, bounded in all by <c>fetch_timeout_secs</c>: HttpClient's own timeout ends when the
    /// headers arrive, so a body that drips forever would otherwise hold a preflight slot for good.
    /// </summary>
    private async Task<byte[]> FetchAsync(string url, string what, long maxBytes, MarketConfig config, CancellationToken ct)
    {
        int retries = Math.Max(0, config.MaxFetchRetries);
        int timeout = Math.Max(1, config.FetchTimeoutSeconds);
        bool local = Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsFile;
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        overall.CancelAfter(TimeSpan.FromSeconds(timeout));
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await _fetcher.FetchAsync(url, what, maxBytes, overall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && overall.IsCancellationRequested)
            {
                throw new ResourceProblem(ReasonCodes.FetchFailed,
                    $"{what} {url}: not fetched within fetch_timeout_secs {timeout} s ({attempt + 1} attempt{(attempt == 0 ? "" : "s")})");
            }
            catch (ResourceFetchException e) when (local || attempt >= retries)
            {
                throw new ResourceProblem(ReasonCodes.FetchFailed, e.Message + (local || attempt == 0 ? "" : $" (after {attempt + 1} attempts)"));
            }
            catch (ResourceFetchException) { }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested && attempt >= retries)
            {
                throw new ResourceProblem(ReasonCodes.FetchFailed, $"{what} {url}: no answer ({e.Message})");
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
        }
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken ct)
    {
        string temp = $"{path}.{Guid.NewGuid():n}.tmp";
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
