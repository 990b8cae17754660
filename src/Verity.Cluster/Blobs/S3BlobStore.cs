using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Verity.Cluster.Blobs;

/// <summary>
/// Blobs in a bucket of any S3-compatible server (the cluster's shared store: every node and agent sees the same
/// bytes). S3 puts are atomic, so readers see a whole blob or none. Failures other than bad keys surface as
/// <see cref="BlobStoreException"/> naming the endpoint, bucket and key.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>Most keys one DeleteObjects request (and one list page) may carry.</summary>
    private const int MaxBatch = 1000;

    private readonly AmazonS3Client _s3;
    private readonly string _bucket;
    private readonly string _keyPrefix;
    private readonly string _endpoint;
    private readonly string _spoolDirectory;
    private bool _bucketSeen;

    /// <exception cref="ArgumentException">An option is missing or malformed (the message names it).</exception>
    public S3BlobStore(S3BlobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
            throw new ArgumentException($"S3 ServiceUrl '{options.ServiceUrl}' is not an http(s) URL", nameof(options));
        if (string.IsNullOrWhiteSpace(options.Bucket))
            throw new ArgumentException("S3 Bucket is empty", nameof(options));
        if (string.IsNullOrWhiteSpace(options.Region))
            throw new ArgumentException("S3 Region is empty", nameof(options));
        if ((options.AccessKey is null) != (options.SecretKey is null))
            throw new ArgumentException("S3 AccessKey and SecretKey must be given together (or neither, for the default AWS credential chain)", nameof(options));
        if (options.Timeout <= TimeSpan.Zero)
            throw new ArgumentException($"S3 Timeout must be positive (got {options.Timeout})", nameof(options));
        if (options.MaxRetries < 0)
            throw new ArgumentException($"S3 MaxRetries must be ≥ 0 (got {options.MaxRetries})", nameof(options));

        _keyPrefix = NormalizeKeyPrefix(options.KeyPrefix);
        _bucket = options.Bucket;
        _endpoint = options.ServiceUrl;
        _spoolDirectory = options.SpoolDirectory ?? Path.GetTempPath();

        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // Only what a request requires: s3rver (and other fakes) would store aws-chunked checksum framing verbatim.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // The URL above is the endpoint; AWS_ENDPOINT_URL* in the environment must not override it.
            IgnoreConfiguredEndpointUrls = true,
            Timeout = options.Timeout,
            ConnectTimeout = options.Timeout,
            MaxErrorRetry = options.MaxRetries,
        };
        _s3 = options.AccessKey is null
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    /// <summary>False sends one DeleteObject per key; set when the server lacks multi-object delete (also for tests).</summary>
    internal bool UseMultiDelete { get; set; } = true;

    /// <summary>Keys per list page and per delete batch (smaller in tests, to exercise paging).</summary>
    internal int PageSize
    {
        get => _pageSize;
        set => _pageSize = value is >= 1 and <= MaxBatch ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"1..{MaxBatch}");
    }

    private int _pageSize = MaxBatch;

    /// <summary>User metadata (x-amz-meta-…) that records each blob's digest and length.</summary>
    private const string Sha256Meta = "verity-sha256";
    private const string LengthMeta = "verity-length";

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        string objectKey = ObjectKey(key);
        var stream = MemoryStreams.ReadOnly(data);
        await using (stream.ConfigureAwait(false))
            await PutCoreAsync(key, objectKey, stream, BlobDigest.Of(data.Span), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The metadata carrying the digest must go with the request's headers, before the body: the stream is first
    /// copied to a private temporary file (hashing it on the way), then sent from there, so memory stays flat.
    /// </summary>
    public async Task PutAsync(string key, Stream data, long? length, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        string objectKey = ObjectKey(key);
        string spool = Path.Combine(_spoolDirectory, "verity-s3-" + Guid.NewGuid().ToString("N"));
        var file = new FileStream(spool, PrivateFiles.NewFile(FileMode.CreateNew, FileOptions.Asynchronous | FileOptions.DeleteOnClose));
        await using (file.ConfigureAwait(false))
        {
            BlobDigest digest;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
                try
                {
                    int n;
                    while ((n = await data.ReadAsync(buffer.AsMemory(0, 1 << 16), ct).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                digest = new BlobDigest(Convert.ToHexStringLower(hash.GetHashAndReset()), file.Length);
            }
            if (length is long expected && expected != digest.Length)
                throw new InvalidDataException($"blob '{key}': the data has {digest.Length} bytes, not the {expected} announced");
            await file.FlushAsync(ct).ConfigureAwait(false);
            file.Position = 0;
            await PutCoreAsync(key, objectKey, file, digest, ct).ConfigureAwait(false);
        }
    }

    private async Task PutCoreAsync(string key, string objectKey, Stream body, BlobDigest digest, CancellationToken ct)
    {
        bool receipt = BlobKeys.IsReceipt(key);
        if (receipt && await RecordedDigestAsync(objectKey, ct).ConfigureAwait(false) is { } existing)
        {
            // The same receipt again (a retried upload) is rewritten, which also heals rotted bytes; other bytes never.
            if (existing != digest) throw new BlobConflictException(key);
            receipt = false;
        }
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = objectKey,
            InputStream = body,
            AutoCloseStream = false,
            ContentType = "application/octet-stream",
            UseChunkEncoding = false,
        };
        request.Metadata[Sha256Meta] = digest.Sha256Hex;
        request.Metadata[LengthMeta] = digest.Length.ToString(CultureInfo.InvariantCulture);
        // Create-only where the server supports conditional writes (AWS, MinIO); the check above covers the others.
        if (receipt) request.IfNoneMatch = "*";
        try
        {
            await Call("put", objectKey, () => _s3.PutObjectAsync(request, ct), ct).ConfigureAwait(false);
        }
        catch (BlobStoreException e) when (receipt && e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict })
        {
            // Another writer created it meanwhile: the same bytes are fine, other bytes are a conflict.
            if (await RecordedDigestAsync(objectKey, ct).ConfigureAwait(false) != digest) throw new BlobConflictException(key);
        }
    }

    /// <summary>The digest recorded on an object (HEAD), default when it has none or a malformed one, null when there is no object.</summary>
    private async Task<BlobDigest?> RecordedDigestAsync(string objectKey, CancellationToken ct) =>
        await Call("head", objectKey, async () =>
        {
            try
            {
                var head = await _s3.GetObjectMetadataAsync(_bucket, objectKey, ct).ConfigureAwait(false);
                return (BlobDigest?)(BlobDigest.TryParse(head.Metadata[Sha256Meta], head.Metadata[LengthMeta], out var d) ? d : default);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return (BlobDigest?)null;
            }
        }, ct).ConfigureAwait(false);

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct = default)
    {
        await using var stream = await OpenReadAsync(key, ct).ConfigureAwait(false);
        if (stream == null) return null;
        if (stream.Length > Array.MaxLength) throw new InvalidOperationException($"blob '{key}' ({stream.Length} bytes) is too large for one array; read it as a stream");
        var bytes = new byte[stream.Length];
        try
        {
            await stream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not BlobCorruptedException && !(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw Wrap("get", ObjectKey(key), e);
        }
        return bytes;
    }

    public async Task<BlobReadStream?> OpenReadAsync(string key, CancellationToken ct = default)
    {
        string objectKey = ObjectKey(key);
        var response = await Call("get", objectKey, async () =>
        {
            try { return await _s3.GetObjectAsync(_bucket, objectKey, ct).ConfigureAwait(false); }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return null;
            }
        }, ct).ConfigureAwait(false);
        if (response == null) return null;
        try
        {
            if (!BlobDigest.TryParse(response.Metadata[Sha256Meta], response.Metadata[LengthMeta], out var digest))
                throw new BlobCorruptedException(key, "its digest record is missing or malformed (the object has no verity-sha256/verity-length metadata)");
            if (response.ContentLength != digest.Length)
                throw new BlobCorruptedException(key, $"it has {response.ContentLength} bytes, but {digest.Length} were stored");
            return new BlobReadStream(response.ResponseStream, key, digest, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        string objectKey = ObjectKey(key);
        bool found = await Call("exists", objectKey, async () =>
        {
            try
            {
                await _s3.GetObjectMetadataAsync(_bucket, objectKey, ct).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return false;
            }
        }, ct).ConfigureAwait(false);
        if (!found) await EnsureBucketExists(objectKey, ct).ConfigureAwait(false);
        return found;
    }

    public async Task DeleteAsync(string key, CancellationToken ct = default)
    {
        string objectKey = ObjectKey(key);
        // S3 deletes are idempotent: deleting a missing key succeeds.
        await Call("delete", objectKey, () => _s3.DeleteObjectAsync(_bucket, objectKey, ct), ct).ConfigureAwait(false);
    }

    public async Task<int> DeletePrefixAsync(string prefix, CancellationToken ct = default)
    {
        string objectPrefix = ObjectPrefix(prefix);
        int deleted = 0;
        string? token = null;
        do
        {
            var page = await ListPage(objectPrefix, token, ct).ConfigureAwait(false);
            var keys = page.S3Objects?.Select(o => o.Key).ToList() ?? [];
            if (keys.Count > 0) await DeleteBatch(objectPrefix, keys, ct).ConfigureAwait(false);
            deleted += keys.Count;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return deleted;
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        string objectPrefix = ObjectPrefix(prefix);
        string? token = null;
        do
        {
            var page = await ListPage(objectPrefix, token, ct).ConfigureAwait(false);
            foreach (var o in page.S3Objects ?? [])
                yield return o.Key[_keyPrefix.Length..];
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
    }

    public void Dispose() => _s3.Dispose();

    /// <summary>
    /// A HEAD answer has no body, so its 404 does not say whether the key or the whole bucket is missing. The first
    /// such answer is followed by one bucket check, so a misconfigured bucket fails loudly instead of reading as "no
    /// blob"; once the bucket was seen, later misses cost nothing extra.
    /// </summary>
    private async Task EnsureBucketExists(string objectKey, CancellationToken ct)
    {
        if (Volatile.Read(ref _bucketSeen)) return;
        await Call("exists", objectKey, async () =>
        {
            try
            {
                await _s3.HeadBucketAsync(new HeadBucketRequest { BucketName = _bucket }, ct).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                throw new BlobStoreException(Describe("exists", objectKey, "the bucket does not exist"), e);
            }
        }, ct).ConfigureAwait(false);
        Volatile.Write(ref _bucketSeen, true);
    }

    private Task<ListObjectsV2Response> ListPage(string objectPrefix, string? token, CancellationToken ct) =>
        Call("list", objectPrefix + "*", () => _s3.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = _bucket,
            Prefix = objectPrefix,
            ContinuationToken = token,
            MaxKeys = _pageSize,
        }, ct), ct);

    private async Task DeleteBatch(string objectPrefix, List<string> keys, CancellationToken ct)
    {
        if (UseMultiDelete)
        {
            try
            {
                var request = new DeleteObjectsRequest
                {
                    BucketName = _bucket,
                    Quiet = true,
                    Objects = keys.Select(k => new KeyVersion { Key = k }).ToList(),
                };
                var response = await _s3.DeleteObjectsAsync(request, ct).ConfigureAwait(false);
                if (response.DeleteErrors is [{ } error, ..])
                    throw new BlobStoreException(Describe("delete-prefix", error.Key,
                        $"{response.DeleteErrors.Count} of {keys.Count} deletes failed, e.g. {error.Code}: {error.Message}"));
                return;
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed
                                              || e.ErrorCode == "NotImplemented")
            {
                UseMultiDelete = false; // the server lacks multi-object delete: one request per key from now on
            }
            catch (Exception e) when (e is not BlobStoreException && !(e is OperationCanceledException && ct.IsCancellationRequested))
            {
                throw Wrap("delete-prefix", objectPrefix + "*", e);
            }
        }
        foreach (string key in keys)
            await Call("delete", key, () => _s3.DeleteObjectAsync(_bucket, key, ct), ct).ConfigureAwait(false);
    }

    /// <summary>Runs one SDK call, turning every failure but the caller's cancellation into a <see cref="BlobStoreException"/>.</summary>
    private async Task<T> Call<T>(string operation, string objectKey, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not BlobStoreException && !(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw Wrap(operation, objectKey, e);
        }
    }

    private BlobStoreException Wrap(string operation, string objectKey, Exception e) => new(Describe(operation, objectKey, Reason(e)), e);

    private string Describe(string operation, string objectKey, string reason) =>
        $"S3 {operation} of '{objectKey}' in bucket '{_bucket}' at {_endpoint} failed: {reason}";

    private static string Reason(Exception e)
    {
        if (e is AmazonServiceException { StatusCode: not 0 } s)
        {
            return s.ErrorCode switch
            {
                "NoSuchBucket" => "the bucket does not exist",
                "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" or "InvalidToken" or "ExpiredToken" =>
                    $"access refused ({s.ErrorCode}; check the access key and secret key): {s.Message}",
                _ => $"{s.ErrorCode ?? "error"} (HTTP {(int)s.StatusCode}): {s.Message}",
            };
        }
        // No HTTP answer: the server is down, unreachable or too slow. The innermost message says which.
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        string detail = inner == e ? e.Message : $"{e.Message} ({inner.Message})";
        return e is OperationCanceledException or TimeoutException || inner is TimeoutException
            ? $"no answer in time: {detail}"
            : $"cannot reach the server: {detail}";
    }

    private string ObjectKey(string key)
    {
        if (!BlobKeys.IsValid(key)) throw new ArgumentException($"'{key}' is not a valid blob key", nameof(key));
        return _keyPrefix + key;
    }

    /// <summary>A listing prefix: empty (everything), or the start of a valid key, possibly ending at a '/'.</summary>
    private string ObjectPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        bool valid = prefix.Length == 0 || BlobKeys.IsValid(prefix) || (prefix.EndsWith('/') && BlobKeys.IsValid(prefix[..^1]));
        if (!valid) throw new ArgumentException($"'{prefix}' is not a valid blob key prefix", nameof(prefix));
        return _keyPrefix + prefix;
    }

    private static string NormalizeKeyPrefix(string? keyPrefix)
    {
        if (string.IsNullOrEmpty(keyPrefix)) return "";
        string trimmed = keyPrefix.TrimEnd('/');
        if (!BlobKeys.IsValid(trimmed))
            throw new ArgumentException($"S3 KeyPrefix '{keyPrefix}' is not a valid key folder (lowercase letters, digits, '/', '-', '_', '.')", nameof(keyPrefix));
        return trimmed + "/";
    }
}
