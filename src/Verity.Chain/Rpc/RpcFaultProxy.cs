using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Verity.Chain.Rpc;

/// <summary>
/// A loopback HTTP JSON-RPC proxy in front of an RPC (anvil) that injects faults: JSON-RPC errors, rate limiting,
/// HTTP 5xx, timeouts (the request is held until the client gives up) and dropped connections (TCP reset), by a
/// seeded <see cref="RpcFaultSchedule"/> or on command (<see cref="Inject"/>), and can be taken down (connections
/// refused) and up again on the same port. For tests and <c>verity devnet --faults</c>; it is a small HTTP/1.1 server
/// of its own (not HttpListener) so that it controls exactly how a connection ends.
/// </summary>
public sealed class RpcFaultProxy : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    private readonly Uri _upstream;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Queue<RpcFault> _commanded = new();
    private readonly HashSet<TcpClient> _connections = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<RpcFault, int> _injected = Enum.GetValues<RpcFault>().ToDictionary(f => f, _ => 0);
    private RpcFaultSchedule? _schedule;
    private Random _random;
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _forwarded;
    private int _disposed;

    private RpcFaultProxy(Uri upstream, RpcFaultSchedule? schedule, ILogger? logger)
    {
        _upstream = upstream;
        _logger = logger ?? NullLogger.Instance;
        schedule?.Validate();
        _schedule = schedule;
        _random = new Random(schedule?.Seed ?? 0);
    }

    /// <summary>The port on 127.0.0.1 (kept across <see cref="Down"/> / <see cref="Up"/>).</summary>
    public int Port { get; private set; }

    /// <summary>http://127.0.0.1:port/ — give this to the client instead of the upstream URL.</summary>
    public string Url => $"http://127.0.0.1:{Port}/";

    /// <summary>Whether the proxy refuses connections (<see cref="Down"/>).</summary>
    public bool IsDown { get { lock (_gate) return _listener == null; } }

    /// <summary>Requests forwarded to the upstream and answered.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>How many requests met each fault so far (<see cref="RpcFault.None"/> is not counted here).</summary>
    public IReadOnlyDictionary<RpcFault, int> Injected { get { lock (_gate) return new Dictionary<RpcFault, int>(_injected); } }

    /// <summary>Starts the proxy on a free loopback port (or <paramref name="port"/>) in front of <paramref name="upstreamUrl"/>.</summary>
    /// <exception cref="FormatException">The upstream is not an http(s) URL.</exception>
    public static RpcFaultProxy Start(string upstreamUrl, RpcFaultSchedule? schedule = null, ILogger? logger = null, int port = 0)
    {
        var proxy = new RpcFaultProxy(RpcEndpoint.Parse(upstreamUrl).Uri, schedule, logger);
        proxy.Listen(port);
        return proxy;
    }

    /// <summary>Replaces the schedule (null: no random faults), reseeding the draws.</summary>
    public void SetSchedule(RpcFaultSchedule? schedule)
    {
        schedule?.Validate();
        lock (_gate)
        {
            _schedule = schedule;
            _random = new Random(schedule?.Seed ?? 0);
        }
    }

    /// <summary>The next <paramref name="count"/> requests meet <paramref name="fault"/>, before any scheduled fault.</summary>
    public void Inject(RpcFault fault, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
            for (int i = 0; i < count; i++) _commanded.Enqueue(fault);
    }

    /// <summary>Stops listening and resets every open connection: clients see "connection refused" until <see cref="Up"/>.</summary>
    public void Down()
    {
        TcpClient[] open;
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            open = [.. _connections];
            _connections.Clear();
        }
        foreach (var c in open) Reset(c);
        _logger.LogInformation("RPC fault proxy on port {Port}: down (refusing connections)", Port);
    }

    /// <summary>Listens again on the same port.</summary>
    public void Up()
    {
        lock (_gate)
            if (_listener != null) return;
        Listen(Port);
        _logger.LogInformation("RPC fault proxy on port {Port}: up", Port);
    }

    private void Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        lock (_gate)
        {
            _listener = listener;
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        _acceptLoop = Task.Run(() => AcceptLoopAsync(listener));
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return; // stopped (Down or dispose)
            }
            lock (_gate)
            {
                if (_listener != listener) { Reset(client); continue; }
                _connections.Add(client);
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var reader = new RequestReader(stream);
            while (!_stopping.IsCancellationRequested)
            {
                var request = await reader.ReadAsync(_stopping.Token).ConfigureAwait(false);
                if (request == null) return; // the client closed the connection
                var fault = NextFault(request.Methods);
                if (fault != RpcFault.None)
                    _logger.LogInformation("RPC fault proxy: {Fault} for {Methods}", fault, string.Join(",", request.Methods));
                switch (fault)
                {
                    case RpcFault.Drop:
                        Reset(client);
                        return;
                    case RpcFault.Timeout:
                        // Hold the request: read until the client gives up and closes (0 bytes) or the proxy stops.
                        var sink = new byte[1024];
                        try { while (await stream.ReadAsync(sink, _stopping.Token).ConfigureAwait(false) > 0) { } }
                        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
                        return;
                    case RpcFault.HttpError:
                        await WriteAsync(stream, 503, "Service Unavailable", "text/plain", "injected HTTP 503 (RpcFaultProxy)"u8.ToArray()).ConfigureAwait(false);
                        break;
                    case RpcFault.JsonRpcError:
                        await WriteAsync(stream, 200, "OK", "application/json", ErrorBody(request, -32603, "internal error (injected by RpcFaultProxy)")).ConfigureAwait(false);
                        break;
                    case RpcFault.RateLimited:
                        await WriteAsync(stream, 200, "OK", "application/json", ErrorBody(request, -32005, "request limit exceeded (injected by RpcFaultProxy)")).ConfigureAwait(false);
                        break;
                    default:
                        await ForwardAsync(stream, request).ConfigureAwait(false);
                        break;
                }
                if (request.Close) return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidDataException)
        {
            // The client went away, the proxy went down, or the request was not HTTP: this connection is over.
        }
        finally
        {
            lock (_gate) _connections.Remove(client);
            client.Dispose();
        }
    }

    private RpcFault NextFault(IReadOnlyList<string> methods)
    {
        lock (_gate)
        {
            RpcFault fault;
            if (_commanded.Count > 0) fault = _commanded.Dequeue();
            else if (_schedule is { } s && (s.Methods == null || methods.Any(s.Methods.Contains))) fault = s.Pick(_random.NextDouble());
            else fault = RpcFault.None;
            if (fault != RpcFault.None) _injected[fault]++;
            return fault;
        }
    }

    private async Task ForwardAsync(NetworkStream stream, Request request)
    {
        int status;
        byte[] body;
        string contentType;
        try
        {
            using var content = new ByteArrayContent(request.Body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var answer = await _http.PostAsync(_upstream, content, _stopping.Token).ConfigureAwait(false);
            status = (int)answer.StatusCode;
            body = await answer.Content.ReadAsByteArrayAsync(_stopping.Token).ConfigureAwait(false);
            contentType = answer.Content.Headers.ContentType?.ToString() ?? "application/json";
        }
        catch (HttpRequestException e)
        {
            // The upstream itself is unreachable: a gateway error, as a real reverse proxy would answer.
            status = 502;
            body = Encoding.UTF8.GetBytes($"upstream RPC unreachable: {e.Message}");
            contentType = "text/plain";
        }
        Interlocked.Increment(ref _forwarded);
        await WriteAsync(stream, status, status == 200 ? "OK" : "Upstream", contentType, body).ConfigureAwait(false);
    }

    private static byte[] ErrorBody(Request request, int code, string message)
    {
        JsonNode Error(JsonNode? id) => new JsonObject
        {
            ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        };
        JsonNode answer = request.Batch ? new JsonArray([.. request.Ids.Select(Error)]) : Error(request.Ids.FirstOrDefault());
        return Encoding.UTF8.GetBytes(answer.ToJsonString());
    }

    private static async Task WriteAsync(NetworkStream stream, int status, string reason, string contentType, byte[] body)
    {
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n");
        await stream.WriteAsync(head).ConfigureAwait(false);
        await stream.WriteAsync(body).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Closes with a TCP reset (linger 0), as a crashed server or a middlebox dropping the connection would.</summary>
    private static void Reset(TcpClient client)
    {
        // The connection's own task may be disposing it at the same time: work on the socket taken once.
        var socket = client.Client;
        try
        {
            if (socket != null)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        Down();
        try { await _acceptLoop.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _http.Dispose();
        _stopping.Dispose();
    }

    /// <summary>One HTTP request: its JSON-RPC methods and ids (for error answers), body and whether the client asked to close.</summary>
    private sealed record Request(byte[] Body, IReadOnlyList<string> Methods, IReadOnlyList<JsonNode?> Ids, bool Batch, bool Close);

    /// <summary>Reads HTTP/1.1 requests with a Content-Length body off a kept-alive connection.</summary>
    private sealed class RequestReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task<Request?> ReadAsync(CancellationToken ct)
        {
            var head = new List<byte>();
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = await stream.ReadAsync(_buffer, ct).ConfigureAwait(false);
                    if (_end == 0) return head.Count == 0 ? null : throw new InvalidDataException("connection closed inside a request");
                }
                head.Add(_buffer[_start++]);
                if (head.Count > MaxHeaderBytes) throw new InvalidDataException("request headers too large");
                if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r') break;
            }
            var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            int length = 0;
            bool close = false;
            foreach (var line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && (!int.TryParse(value, out length) || length is < 0 or > MaxBodyBytes))
                    throw new InvalidDataException("bad Content-Length");
                if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException("chunked request bodies are not supported");
                if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) && value.Equals("close", StringComparison.OrdinalIgnoreCase))
                    close = true;
            }
            var body = new byte[length];
            for (int got = 0; got < length;)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = await stream.ReadAsync(_buffer, ct).ConfigureAwait(false);
                    if (_end == 0) throw new InvalidDataException("connection closed inside a request body");
                }
                int n = Math.Min(length - got, _end - _start);
                Array.Copy(_buffer, _start, body, got, n);
                _start += n;
                got += n;
            }
            var (methods, ids, batch) = Describe(body);
            return new Request(body, methods, ids, batch, close);
        }

        private static (IReadOnlyList<string>, IReadOnlyList<JsonNode?>, bool) Describe(byte[] body)
        {
            try
            {
                var node = JsonNode.Parse(body);
                var calls = node is JsonArray array ? array.ToList() : [node];
                return ([.. calls.Select(c => c?["method"]?.GetValue<string>() ?? "?")], [.. calls.Select(c => c?["id"])], node is JsonArray);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                return (["?"], [null], false);
            }
        }
    }
}
