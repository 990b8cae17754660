using Verity.Cluster.Blobs;

namespace Verity.Cluster.Tests.Blobs;

/// <summary>Digests, streams and write-once receipts: what every store must do about the integrity of its blobs.</summary>
public abstract partial class BlobStoreContract
{
    private const string ReceiptKey = "jobs/0123456789abcdef0123456789abcdef/receipt";

    /// <summary>Flips one bit of the stored blob's data, bypassing the store (its digest record stays as it was).</summary>
    protected abstract Task FlipBitAsync(string key, long offset);

    /// <summary>Replaces the stored blob with raw bytes, bypassing the store (no digest record).</summary>
    protected abstract Task OverwriteRawAsync(string key, byte[] bytes);

    /// <summary>A stream that yields <paramref name="data"/> in odd-sized reads and cannot seek or tell its length.</summary>
    protected sealed class TrickleStream(byte[] data) : Stream
    {
        private int _at;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _at; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, 7919), data.Length - _at);
            Array.Copy(data, _at, buffer, offset, n);
            _at += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Streamed_put_and_read_round_trip_without_a_known_length()
    {
        var data = RandomBytes(300_001, seed: 5);
        await Store.PutAsync("jobs/s/run", new TrickleStream(data), length: null);
        Assert.Equal(data, await Store.GetAsync("jobs/s/run"));
        await using var stream = await Store.OpenReadAsync("jobs/s/run");
        Assert.NotNull(stream);
        Assert.Equal(data.Length, stream.Length);
        Assert.Equal(BlobDigest.Of(data), stream.Digest);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
        Assert.Null(await Store.OpenReadAsync("jobs/s/none"));
    }

    [Fact]
    public async Task A_stream_of_another_length_than_announced_stores_nothing()
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Store.PutAsync("jobs/s/run", new MemoryStream(new byte[10]), length: 11));
        Assert.Contains("'jobs/s/run'", e.Message);
        Assert.False(await Store.ExistsAsync("jobs/s/run"));
        Assert.Empty(await ListSorted(""));
    }

    [Fact]
    public async Task A_flipped_bit_is_a_corrupted_blob_named_by_its_key()
    {
        var data = RandomBytes(100_000, seed: 6);
        await Store.PutAsync("jobs/c/proofs/0", data);
        await FlipBitAsync("jobs/c/proofs/0", 54_321);

        var e = await Assert.ThrowsAsync<BlobCorruptedException>(() => Store.GetAsync("jobs/c/proofs/0"));
        Assert.Equal("jobs/c/proofs/0", e.Key);
        Assert.Contains("blob 'jobs/c/proofs/0' is corrupted", e.Message);
        // Streamed, the read that reaches the end throws instead of handing out the last bytes.
        await using var stream = await Store.OpenReadAsync("jobs/c/proofs/0");
        Assert.NotNull(stream);
        await Assert.ThrowsAsync<BlobCorruptedException>(() => stream.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task A_blob_without_a_digest_record_is_corrupted()
    {
        await Store.PutAsync("jobs/c/run", new byte[] { 1, 2, 3 });
        await OverwriteRawAsync("jobs/c/run", [1, 2, 3]);
        var e = await Assert.ThrowsAsync<BlobCorruptedException>(() => Store.GetAsync("jobs/c/run"));
        Assert.Equal("jobs/c/run", e.Key);
        Assert.Contains("digest record is missing", e.Message);
        await Assert.ThrowsAsync<BlobCorruptedException>(() => Store.OpenReadAsync("jobs/c/run"));
    }

    [Fact]
    public async Task Receipts_are_write_once_but_the_same_bytes_may_be_put_again()
    {
        byte[] receipt = RandomBytes(1000, seed: 7);
        await Store.PutAsync(ReceiptKey, receipt);
        await Store.PutAsync(ReceiptKey, new MemoryStream(receipt), receipt.Length); // a retried upload
        var e = await Assert.ThrowsAsync<BlobConflictException>(() => Store.PutAsync(ReceiptKey, "forged"u8.ToArray()));
        Assert.Equal(ReceiptKey, e.Key);
        await Assert.ThrowsAsync<BlobConflictException>(() => Store.PutAsync(ReceiptKey, new MemoryStream(new byte[1000]), null));
        Assert.Equal(receipt, await Store.GetAsync(ReceiptKey));
        // Other kinds of blob are replaced as before.
        await Store.PutAsync("jobs/0123456789abcdef0123456789abcdef/run", new byte[] { 1 });
        await Store.PutAsync("jobs/0123456789abcdef0123456789abcdef/run", new byte[] { 2 });
        Assert.Equal(new byte[] { 2 }, await Store.GetAsync("jobs/0123456789abcdef0123456789abcdef/run"));
    }
}
