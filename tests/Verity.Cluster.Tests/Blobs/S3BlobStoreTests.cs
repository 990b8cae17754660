using Verity.Cluster.Blobs;

namespace Verity.Cluster.Tests.Blobs;

/// <summary>
/// The blob-store contract on an S3-compatible server (<see cref="S3TestServer"/>), plus S3's own failure modes. Every
/// test works under its own random key prefix, so tests and classes never see each other's blobs.
/// </summary>
public sealed class S3BlobStoreTests : BlobStoreContract
{
    private readonly string _prefix = S3TestServer.RandomPrefix();

    private S3BlobStore S3Store => (S3BlobStore)Store;

    protected override IBlobStore CreateStore() => new S3BlobStore(S3TestServer.Options(_prefix));

    protected override async Task CleanupAsync(IBlobStore store)
    {
        await store.DeletePrefixAsync("");
        ((S3BlobStore)store).Dispose();
    }

    private static Amazon.S3.AmazonS3Client RawClient() => new(
        new Amazon.Runtime.BasicAWSCredentials(S3TestServer.Credential, S3TestServer.Credential),
        new Amazon.S3.AmazonS3Config
        {
            ServiceURL = S3TestServer.Url,
            ForcePathStyle = true,
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
            IgnoreConfiguredEndpointUrls = true,
        });

    /// <summary>Rewrites the object with one bit flipped, copying its metadata (the digest record stays).</summary>
    protected override async Task FlipBitAsync(string key, long offset)
    {
        using var s3 = RawClient();
        string objectKey = $"{_prefix}/{key}";
        using var get = await s3.GetObjectAsync(S3TestServer.Bucket, objectKey);
        var bytes = new MemoryStream();
        await get.ResponseStream.CopyToAsync(bytes);
        var data = bytes.ToArray();
        data[offset] ^= 1;
        var put = new Amazon.S3.Model.PutObjectRequest { BucketName = S3TestServer.Bucket, Key = objectKey, InputStream = new MemoryStream(data), UseChunkEncoding = false };
        foreach (string name in get.Metadata.Keys) put.Metadata[name] = get.Metadata[name];
        Assert.NotEmpty(put.Metadata.Keys); // the server keeps the digest record
        await s3.PutObjectAsync(put);
    }

    protected override async Task OverwriteRawAsync(string key, byte[] bytes)
    {
        using var s3 = RawClient();
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = S3TestServer.Bucket, Key = $"{_prefix}/{key}", InputStream = new MemoryStream(bytes), UseChunkEncoding = false,
        });
    }

    [Fact]
    public async Task Key_prefix_keeps_stores_apart()
    {
        await Store.PutAsync("jobs/k/run", new byte[] { 1, 2 });
        using var other = new S3BlobStore(S3TestServer.Options(S3TestServer.RandomPrefix()));
        Assert.Null(await other.GetAsync("jobs/k/run"));
        Assert.Empty(await Collect(other.ListAsync("")));
        Assert.Equal(0, await other.DeletePrefixAsync("jobs/"));

        // Without a prefix the same blob sits in the prefix's folder of the bucket.
        using var whole = new S3BlobStore(S3TestServer.Options(null));
        Assert.Equal(new byte[] { 1, 2 }, await whole.GetAsync($"{_prefix}/jobs/k/run"));
        Assert.Equal([$"{_prefix}/jobs/k/run"], await Collect(whole.ListAsync(_prefix + "/")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Listing_and_delete_prefix_page_through_many_keys(bool multiDelete)
    {
        S3Store.PageSize = 3;
        S3Store.UseMultiDelete = multiDelete;
        for (int i = 0; i < 11; i++) await Store.PutAsync($"jobs/p/proofs/{i}", new byte[] { (byte)i });
        await Store.PutAsync("jobs/q/run", new byte[] { 42 });

        Assert.Equal(11, (await ListSorted("jobs/p/")).Count);
        Assert.Equal(11, await Store.DeletePrefixAsync("jobs/p/"));
        Assert.Equal(["jobs/q/run"], await ListSorted(""));
    }

    [Fact]
    public async Task Missing_bucket_is_an_error_naming_endpoint_bucket_and_key()
    {
        using var store = new S3BlobStore(S3TestServer.Options(null) with { Bucket = "verity-no-such-bucket" });
        // A missing bucket must not read as a missing blob.
        var get = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetAsync("jobs/m/run"));
        AssertNames(get, "verity-no-such-bucket", "jobs/m/run");
        Assert.Contains("bucket does not exist", get.Message);
        AssertNames(await Assert.ThrowsAsync<BlobStoreException>(() => store.ExistsAsync("jobs/m/run")), "verity-no-such-bucket", "jobs/m/run");
        AssertNames(await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync("jobs/m/run", new byte[] { 1 })), "verity-no-such-bucket", "jobs/m/run");
    }

    [Fact]
    public async Task Wrong_credentials_are_an_error_naming_endpoint_bucket_and_key()
    {
        using var store = new S3BlobStore(S3TestServer.Options(_prefix) with { AccessKey = "NOTTHEKEY", SecretKey = "wrong" });
        var e = await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync("jobs/w/run", new byte[] { 1 }));
        AssertNames(e, S3TestServer.Bucket, $"{_prefix}/jobs/w/run");
        Assert.Contains("access key", e.Message);
    }

    private static void AssertNames(BlobStoreException e, string bucket, string key)
    {
        Assert.Contains(S3TestServer.Url, e.Message);
        Assert.Contains($"'{bucket}'", e.Message);
        Assert.Contains($"'{key}'", e.Message);
    }

    private static async Task<List<string>> Collect(IAsyncEnumerable<string> keys)
    {
        var list = new List<string>();
        await foreach (var key in keys) list.Add(key);
        return list;
    }
}
