using Verity.Cluster.Broker;

namespace Verity.Node.Api;

/// <summary>
/// A request body read as a stream under a size cap and an idle timeout, so an upload goes to the blob store without
/// being held in memory: a declared Content-Length over the cap is refused (413) before a byte is read, a body that
/// grows past it as soon as it does, and a body that sends nothing for the idle timeout is cut off (408).
/// </summary>
internal sealed class UploadBody : Stream
{
    private readonly Stream _body;
    private readonly long _limit;
    private readonly long? _declared;
    private readonly string _what;
    private readonly TimeSpan _idle;
    private readonly CancellationToken _aborted;
    private long _read;

    private UploadBody(HttpRequest request, long limit, string what, TimeSpan idle)
    {
        _body = request.Body;
        _limit = limit;
        _declared = request.ContentLength;
        _what = what;
        _idle = idle;
        _aborted = request.HttpContext.RequestAborted;
    }

    /// <exception cref="ClientErrorException">413 when the declared length is over <paramref name="limit"/>.</exception>
    public static UploadBody Open(HttpRequest request, long limit, string what, TimeSpan idle)
    {
        if (request.ContentLength is long declared && declared > limit)
            throw ClientErrorException.TooLarge($"{what} is {declared} bytes; the limit is {limit}");
        return new UploadBody(request, limit, what, idle);
    }

    /// <summary>The length the client declared, if it did.</summary>
    public long? Declared => _declared;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct, _aborted);
        idle.CancelAfter(_idle);
        int n;
        try
        {
            n = await _body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !ct.IsCancellationRequested && !_aborted.IsCancellationRequested)
        {
            throw new ClientErrorException(StatusCodes.Status408RequestTimeout,
                $"{_what}: no data arrived for {_idle.TotalSeconds:0.#} s after {_read} bytes; the upload was cut off");
        }
        _read += n;
        if (_read > _limit) throw ClientErrorException.TooLarge($"{_what} is larger than the limit of {_limit} bytes");
        if (n == 0 && _declared is long d && _read < d) throw ClientErrorException.BadRequest($"{_what} ended after {_read} of its {d} bytes");
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
