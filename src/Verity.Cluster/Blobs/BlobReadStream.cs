using System.Security.Cryptography;

namespace Verity.Cluster.Blobs;

/// <summary>
/// A stored blob being read: forward-only, of a known <see cref="Length"/>, hashing what passes through. The read that
/// reaches the end checks the SHA-256 against the recorded one and throws <see cref="BlobCorruptedException"/> (naming
/// the key) instead of returning the last bytes of a corrupted blob; a source that ends early throws it too.
/// </summary>
public sealed class BlobReadStream : Stream
{
    private readonly Stream _inner;
    private readonly string _key;
    private readonly BlobDigest _expected;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IDisposable? _owner;
    private long _read;

    /// <param name="inner">The stored bytes (exactly <paramref name="expected"/>.Length of them); disposed with this stream.</param>
    /// <param name="owner">Something else to dispose with it (e.g. the HTTP response the bytes come from).</param>
    public BlobReadStream(Stream inner, string key, BlobDigest expected, IDisposable? owner = null)
    {
        _inner = inner;
        _key = key;
        _expected = expected;
        _owner = owner;
    }

    public string Key => _key;

    /// <summary>The recorded digest and length.</summary>
    public BlobDigest Digest => _expected;

    public override long Length => _expected.Length;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _read == _expected.Length) return 0;
        int n = _inner.Read(buffer[..Want(buffer.Length)]);
        return Account(buffer[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.IsEmpty || _read == _expected.Length) return 0;
        int n = await _inner.ReadAsync(buffer[..Want(buffer.Length)], ct).ConfigureAwait(false);
        return Account(buffer.Span[..n]);
    }

    private int Want(int room) => (int)Math.Min(room, _expected.Length - _read);

    private int Account(ReadOnlySpan<byte> got)
    {
        if (got.IsEmpty)
            throw new BlobCorruptedException(_key, $"it ended after {_read} of its {_expected.Length} bytes");
        _hash.AppendData(got);
        _read += got.Length;
        if (_read == _expected.Length)
        {
            Span<byte> sha = stackalloc byte[BlobDigest.HashBytes];
            _hash.GetHashAndReset(sha);
            _expected.Check(_key, new BlobDigest(Convert.ToHexStringLower(sha), _read));
        }
        return got.Length;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _owner?.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _owner?.Dispose();
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
