using System.Net;
using System.Net.Sockets;

namespace Verity.Chain.Tests.Support;

/// <summary>
/// A loopback HTTP proxy in front of an RPC that answers the first <c>failures</c> requests with
/// <c>status</c> and forwards the rest, counting every request.
/// </summary>
public sealed class FailingProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _client = new();
    private readonly string _target;
    private readonly int _failures;
    private readonly HttpStatusCode _status;
    private readonly Task _loop;
    private int _requests;

    public FailingProxy(string target, int failures, HttpStatusCode status = HttpStatusCode.ServiceUnavailable)
    {
        _target = target;
        _failures = failures;
        _status = status;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/";
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The path and query of every request, in arrival order.</summary>
    public IReadOnlyList<string> Paths { get { lock (_paths) return _paths.ToArray(); } }

    private readonly List<string> _paths = [];

    /// <summary>A port nothing listens on (bound and released by the OS).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        lock (_paths) _paths.Add(context.Request.Url!.PathAndQuery);
        if (Interlocked.Increment(ref _requests) <= _failures)
        {
            context.Response.StatusCode = (int)_status;
            context.Response.Close();
            return;
        }
        using var forward = new ByteArrayContent(body.ToArray());
        forward.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var answer = await _client.PostAsync(_target, forward);
        var bytes = await answer.Content.ReadAsByteArrayAsync();
        context.Response.StatusCode = (int)answer.StatusCode;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        _client.Dispose();
    }
}
