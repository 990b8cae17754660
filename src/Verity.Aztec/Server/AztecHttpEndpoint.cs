using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using Verity.Aztec.Protocol;

namespace Verity.Aztec.Server;

/// <summary>
/// The HTTP side of the protocol, as Aztec's 4.1.2 server behaves (docs/AZTEC.md §2): JSON-RPC 2.0 over POST (any path:
/// Aztec's client posts to the configured URL as given), bodies possibly gzip-compressed; a batch is answered 200 with
/// one response per call in the same order; an empty batch, or a single call that fails, is answered 400 with its
/// error; unparsable JSON is 400 with -32700. <c>GET /status</c> answers 200 while the job store answers.
/// </summary>
internal sealed class AztecHttpEndpoint
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 64 };

    private readonly AztecRpcDispatcher _dispatcher;
    private readonly AztecOptions _options;
    private readonly SourceNetworks _allowed;
    private readonly Func<CancellationToken, Task> _probeStore;
    private readonly ILogger _log;
    private readonly long _budget;
    private long _inFlight; // bytes of request bodies held in memory now, across requests

    public AztecHttpEndpoint(AztecRpcDispatcher dispatcher, AztecOptions options, Func<CancellationToken, Task> probeStore, ILogger log)
    {
        _dispatcher = dispatcher;
        _options = options;
        _allowed = SourceNetworks.Parse(options.EffectiveAllowFrom());
        _probeStore = probeStore;
        _log = log;
        // A few bodies of the largest size at once; beyond that a request is told to come back (503, which Aztec's
        // client retries) rather than letting many large bodies exhaust the node's memory together.
        _budget = BodyBudgetFactor * options.MaxBodyBytes;
    }

    /// <summary>Request-body bytes held at once, as a multiple of <see cref="AztecOptions.MaxBodyBytes"/>.</summary>
    public const int BodyBudgetFactor = 4;

    /// <summary>The head of every body that is not counted against the budget (a call without inline inputs is smaller).</summary>
    public const int SmallBody = 64 << 10;

    /// <summary>How long one request's body may take to arrive; a stalled upload then gives its share of the budget back.</summary>
    public static readonly TimeSpan BodyDeadline = TimeSpan.FromMinutes(5);

    public async Task HandleAsync(HttpContext http)
    {
        if (!_allowed.Allows(http.Connection.RemoteIpAddress))
        {
            _log.LogWarning("aztec: refused a request from {Address} (not in Node:Aztec:AllowFrom)", http.Connection.RemoteIpAddress);
            await WriteErrorAsync(http, StatusCodes.Status403Forbidden, RpcError.InvalidRequest,
                $"source address {http.Connection.RemoteIpAddress} is not allowed (Node:Aztec:AllowFrom)").ConfigureAwait(false);
            return;
        }
        if (HttpMethods.IsGet(http.Request.Method) && http.Request.Path == "/status")
        {
            await StatusAsync(http).ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.Headers.Allow = "POST";
            await WriteErrorAsync(http, StatusCodes.Status405MethodNotAllowed, RpcError.InvalidRequest,
                $"{http.Request.Method} is not served: JSON-RPC is POST (and GET /status)").ConfigureAwait(false);
            return;
        }

        long held = 0;
        try
        {
            await HandleRpcAsync(http, bytes => held += bytes).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _inFlight, -held);
        }
    }

    private async Task HandleRpcAsync(HttpContext http, Action<long> held)
    {
        var ct = http.RequestAborted;
        ArrayBufferWriter<byte> body;
        try
        {
            body = await ReadBodyAsync(http.Request, held, ct).ConfigureAwait(false);
        }
        catch (BodyException e)
        {
            await WriteErrorAsync(http, e.Status, RpcError.InvalidRequest, e.Message).ConfigureAwait(false);
            return;
        }

        JsonDocument document;
        try
        {
            // A cheap pass first: a body of millions of tiny values (a 64 KiB gzip of "0,0,0,…") would cost the parsed
            // document's index many times the body's size; past MaxValues it is refused before that index exists.
            if (CountValues(body.WrittenSpan) > MaxValues)
            {
                await WriteErrorAsync(http, StatusCodes.Status413PayloadTooLarge, RpcError.InvalidRequest,
                    $"request has more than {MaxValues} JSON values").ConfigureAwait(false);
                return;
            }
            document = JsonDocument.Parse(body.WrittenMemory, ParseOptions);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, RpcError.ParseError, $"Parse error: {e.Message}").ConfigureAwait(false);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                int count = root.GetArrayLength();
                if (count == 0)
                {
                    await WriteErrorAsync(http, StatusCodes.Status400BadRequest, RpcError.InvalidRequest, "Invalid Request").ConfigureAwait(false);
                    return;
                }
                if (count > _options.MaxBatchSize)
                {
                    await WriteErrorAsync(http, StatusCodes.Status400BadRequest, RpcError.InvalidRequest,
                        $"Batch request exceeds maximum allowed size of {_options.MaxBatchSize}").ConfigureAwait(false);
                    return;
                }
                // In order, one after another: replies keep the batch's order, and one agent's calls see each other's effects.
                var replies = new List<RpcReply>(count);
                foreach (var request in root.EnumerateArray()) replies.Add(await _dispatcher.HandleAsync(request, ct).ConfigureAwait(false));
                await WriteAsync(http, StatusCodes.Status200OK, w =>
                {
                    w.WriteStartArray();
                    foreach (var reply in replies) reply.Write(w);
                    w.WriteEndArray();
                }).ConfigureAwait(false);
            }
            else
            {
                var reply = await _dispatcher.HandleAsync(root, ct).ConfigureAwait(false);
                await WriteAsync(http, reply.Error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest, reply.Write).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// JSON values (strings, numbers, literals, arrays, objects) one request may hold. Aztec's calls are a few values
    /// each, their inputs one string however large; a batch of 100 calls, or a completed-jobs check of thousands of
    /// ids, stays far below this.
    /// </summary>
    public const int MaxValues = 200_000;

    /// <summary>The values in <paramref name="json"/>, counted without allocating (stops early past <see cref="MaxValues"/>).</summary>
    private static int CountValues(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = ParseOptions.MaxDepth });
        int count = 0;
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.Comment) continue;
            if (++count > MaxValues) break;
        }
        return count;
    }

    private async Task StatusAsync(HttpContext http)
    {
        try
        {
            await _probeStore(http.RequestAborted).ConfigureAwait(false);
            http.Response.StatusCode = StatusCodes.Status200OK;
            await http.Response.WriteAsync("OK", http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            _log.LogWarning("aztec: /status: the job store did not answer: {Error}", e.Message);
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await http.Response.WriteAsync("the job store did not answer", http.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>The body, gzip or deflate undone, at most <see cref="AztecOptions.MaxBodyBytes"/> bytes either way.</summary>
    private async Task<ArrayBufferWriter<byte>> ReadBodyAsync(HttpRequest request, Action<long> held, CancellationToken ct)
    {
        long limit = _options.MaxBodyBytes;
        if (request.ContentLength > limit)
            throw new BodyException(StatusCodes.Status413PayloadTooLarge, $"request body of {request.ContentLength} bytes is larger than {limit} (Node:Aztec:MaxBodyBytes)");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(BodyDeadline);
        string encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream source = encoding switch
        {
            "" or "identity" => request.Body,
            "gzip" or "x-gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new BodyException(StatusCodes.Status415UnsupportedMediaType, $"content-encoding '{encoding}' is not supported (gzip, deflate or none)"),
        };
        await using (source.ConfigureAwait(false))
        {
            var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and < 1 << 20 ? (int)request.ContentLength : 64 << 10);
            try
            {
                while (true)
                {
                    var span = buffer.GetMemory(64 << 10);
                    int n;
                    try { n = await source.ReadAsync(span, deadline.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new BodyException(StatusCodes.Status408RequestTimeout, $"request body did not arrive within {BodyDeadline.TotalSeconds:0} s");
                    }
                    if (n == 0) break;
                    // The first SmallBody bytes of every body are free of the budget: heartbeats and reports always
                    // get through, however many large bodies are arriving (or stalling) meanwhile.
                    long counted = Math.Max(0, buffer.WrittenCount + n - Math.Max(SmallBody, buffer.WrittenCount));
                    held(counted);
                    if (counted > 0 && Interlocked.Add(ref _inFlight, counted) > _budget)
                        throw new BodyException(StatusCodes.Status503ServiceUnavailable,
                            $"the node holds {_budget} bytes of request bodies already; retry shortly");
                    buffer.Advance(n);
                    if (buffer.WrittenCount > limit)
                        throw new BodyException(StatusCodes.Status413PayloadTooLarge,
                            $"request body is larger than {limit} bytes{(encoding.Length > 0 ? " once decompressed" : "")} (Node:Aztec:MaxBodyBytes)");
                }
            }
            catch (InvalidDataException e)
            {
                throw new BodyException(StatusCodes.Status400BadRequest, $"request body is not valid {encoding}: {e.Message}");
            }
            catch (BadHttpRequestException e)
            {
                throw new BodyException(e.StatusCode, $"request body: {e.Message}");
            }
            return buffer;
        }
    }

    private static Task WriteErrorAsync(HttpContext http, int status, int code, string message) =>
        WriteAsync(http, status, RpcReply.Fail(null, code, message).Write);

    private static async Task WriteAsync(HttpContext http, int status, Action<Utf8JsonWriter> write)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
        write(w);
        await w.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private sealed class BodyException(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }
}
