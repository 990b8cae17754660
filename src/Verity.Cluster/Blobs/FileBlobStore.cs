using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Verity.Cluster.Blobs;

/// <summary>
/// Blobs as files under a root directory (the embedded default: &lt;data dir&gt;/blobs; folders 0700, files 0600).
/// Each file starts with a <see cref="HeaderBytes"/>-byte header — magic, length, SHA-256 of the bytes that follow —
/// written in the same file as the data, so the digest and the data are replaced together. Writes go to a temporary
/// file in the same directory and are renamed into place, so readers never see a partial blob.
/// </summary>
public sealed class FileBlobStore : IBlobStore
{
    /// <summary>"VRTYBLB1": a blob file of this format.</summary>
    private static ReadOnlySpan<byte> Magic => "VRTYBLB1"u8;

    /// <summary>Magic (8), length (8, little-endian), SHA-256 (32).</summary>
    public const int HeaderBytes = 48;

    private const int CopyBuffer = 1 << 16;

    private readonly string _root;

    public FileBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        PrivateFiles.CreateDirectory(_root);
    }

    public string Root => _root;

    /// <summary>The file a key is stored in (tests corrupt it on purpose).</summary>
    public string PathOf(string key)
    {
        if (!BlobKeys.IsValid(key)) throw new ArgumentException($"'{key}' is not a valid blob key", nameof(key));
        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        await using var stream = MemoryStreams.ReadOnly(data);
        await PutAsync(key, stream, data.Length, ct).ConfigureAwait(false);
    }

    public async Task PutAsync(string key, Stream data, long? length, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        string path = PathOf(key);
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
        string tmp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            BlobDigest digest;
            await using (var fs = new FileStream(tmp, PrivateFiles.NewFile(FileMode.CreateNew, FileOptions.Asynchronous)))
            {
                fs.Position = HeaderBytes; // the header is written once the digest is known
                digest = await CopyHashingAsync(data, fs, key, ct).ConfigureAwait(false);
                if (length is long expected && expected != digest.Length)
                    throw new InvalidDataException($"blob '{key}': the data has {digest.Length} bytes, not the {expected} announced");
                fs.Position = 0;
                await fs.WriteAsync(Header(digest), ct).ConfigureAwait(false);
                await fs.FlushAsync(ct).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            Commit(key, tmp, path, digest);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Renames the written file into place; a receipt only where none is, or over the same bytes.</summary>
    private void Commit(string key, string tmp, string path, BlobDigest digest)
    {
        if (!BlobKeys.IsReceipt(key))
        {
            File.Move(tmp, path, overwrite: true);
            return;
        }
        // Without overwrite, Move links the new name: it fails if a receipt is there, even one written just now.
        try
        {
            File.Move(tmp, path, overwrite: false);
            return;
        }
        catch (IOException) when (File.Exists(path)) { }
        BlobDigest existing;
        try { existing = ReadHeader(key, path, out _); }
        catch (BlobCorruptedException) { existing = default; }
        if (existing != digest) throw new BlobConflictException(key);
        // The same receipt again (a retried upload): replacing it also heals a copy whose bytes rotted.
        File.Move(tmp, path, overwrite: true);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct = default)
    {
        await using var stream = await OpenReadAsync(key, ct).ConfigureAwait(false);
        if (stream == null) return null;
        if (stream.Length > Array.MaxLength) throw new InvalidOperationException($"blob '{key}' ({stream.Length} bytes) is too large for one array; read it as a stream");
        var bytes = new byte[stream.Length];
        await stream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
        return bytes;
    }

    public Task<BlobReadStream?> OpenReadAsync(string key, CancellationToken ct = default)
    {
        string path = PathOf(key);
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, CopyBuffer, FileOptions.Asynchronous | FileOptions.SequentialScan); }
        catch (FileNotFoundException) { return Task.FromResult<BlobReadStream?>(null); }
        catch (DirectoryNotFoundException) { return Task.FromResult<BlobReadStream?>(null); }
        try
        {
            var digest = ReadHeader(key, fs);
            return Task.FromResult<BlobReadStream?>(new BlobReadStream(fs, key, digest));
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) => Task.FromResult(File.Exists(PathOf(key)));

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        string path = PathOf(key);
        if (File.Exists(path)) File.Delete(path);
        return Task.CompletedTask;
    }

    public async Task<int> DeletePrefixAsync(string prefix, CancellationToken ct = default)
    {
        int n = 0;
        await foreach (var key in ListAsync(prefix, ct).ConfigureAwait(false))
        {
            await DeleteAsync(key, ct).ConfigureAwait(false);
            n++;
        }
        // Drop the emptied directories of a directory-shaped prefix ("jobs/<id>/").
        if (prefix.EndsWith('/') && BlobKeys.IsValid(prefix.TrimEnd('/')))
        {
            string dir = PathOf(prefix.TrimEnd('/'));
            if (Directory.Exists(dir) && !Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Any())
                Directory.Delete(dir, recursive: true);
        }
        return n;
    }

    public async IAsyncEnumerable<string> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        if (!Directory.Exists(_root)) yield break;
        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            ct.ThrowIfCancellationRequested();
            string key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (key.Contains(".tmp-", StringComparison.Ordinal)) continue;
            if (key.StartsWith(prefix, StringComparison.Ordinal)) yield return key;
        }
    }

    private static async Task<BlobDigest> CopyHashingAsync(Stream source, Stream target, string key, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBuffer);
        long total = 0;
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(0, CopyBuffer), ct).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                await target.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                total += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new BlobDigest(Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    private static byte[] Header(BlobDigest digest)
    {
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(8), digest.Length);
        Convert.FromHexString(digest.Sha256Hex).CopyTo(header.AsSpan(16));
        return header;
    }

    private static BlobDigest ReadHeader(string key, string path, out long fileLength)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        fileLength = fs.Length;
        return ReadHeader(key, fs);
    }

    /// <summary>Reads and checks the header, leaving <paramref name="fs"/> at the first data byte.</summary>
    private static BlobDigest ReadHeader(string key, FileStream fs)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        int got = fs.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);
        if (got < HeaderBytes || !header[..8].SequenceEqual(Magic))
            throw new BlobCorruptedException(key, "its digest record is missing (the file has no blob header)");
        long length = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        if (length < 0) throw new BlobCorruptedException(key, $"its digest record is malformed (length {length})");
        if (fs.Length - HeaderBytes != length)
            throw new BlobCorruptedException(key, $"it has {fs.Length - HeaderBytes} bytes, but {length} were stored");
        return new BlobDigest(Convert.ToHexStringLower(header[16..]), length);
    }
}
