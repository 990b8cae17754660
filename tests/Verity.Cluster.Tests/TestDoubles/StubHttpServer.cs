using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Verity.Cluster.Tests.TestDoubles;

/// <summary>A request as <see cref="StubHttpServer"/> received it.</summary>
public sealed record StubRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>What <see cref="StubHttpServer"/> answers.</summary>
public sealed record StubResponse(int Status, byte[] Body, string ContentType = "application/json")
{
    public TimeSpan Delay { get; init; }
    /// <summary>Extra response headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public static StubResponse Json(int status, string json) => new(status, Encoding.UTF8.GetBytes(json));
    public static StubResponse Bytes(byte[] body) => new(200, body, "application/octet-stream");
    public static StubResponse Empty(int status) => new(status, []);
    public static StubResponse Text(int status, string text) => new(status, Encoding.UTF8.GetBytes(text), "text/plain");
}

/// <summary>
/// TEST DOUBLE of a node over real HTTP (HttpListener on 127.0.0.1, a free port): answers each request with the
/// handler's response and records it, so client tests see the exact wire shape.
/// </summary>
public sealed class StubHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<StubRequest, StubResponse> _handler;
    private readonly Task _loop;

    public StubHttpServer(Func<StubRequest, StubResponse> handler)
    {
        _handler = handler;
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                BaseAddress = new Uri($"http://127.0.0.1:{port}/");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close(); // another process took the port meanwhile
            }
        }
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    /// <summary>A port nothing listens on (for connection-refused tests).</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; } // stopped
            _ = Task.Run(() => ServeAsync(context));
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k != null)
                .ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k]!);
            var request = new StubRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body.ToArray());
            Requests.Enqueue(request);
            StubResponse response;
            try { response = _handler(request); }
            catch (Exception e) { response = StubResponse.Text(599, "stub handler failed: " + e.Message); }
            if (response.Delay > TimeSpan.Zero) await Task.Delay(response.Delay);
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            foreach (var (name, value) in response.Headers) context.Response.Headers[name] = value;
            if (request.Method != "HEAD" && response.Body.Length > 0)
            {
                context.Response.ContentLength64 = response.Body.Length;
                await context.Response.OutputStream.WriteAsync(response.Body);
            }
            context.Response.Close();
        }
        catch (Exception)
        {
            // The client went away (timeout tests): nothing to answer.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
