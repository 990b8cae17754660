using System.Net;
using System.Net.Sockets;

namespace Verity.Node.Tests.TestDoubles;

/// <summary>
/// TEST DOUBLE, not shipped: a TCP proxy on 127.0.0.1 in front of a node, which a test can make unreachable. While
/// <see cref="Down"/>, open connections are cut and new ones are reset once their first request line arrived (kept in
/// <see cref="Refused"/>), as when the node's process or network is gone; back up, connections pass through again.
/// </summary>
internal sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accept;
    private volatile bool _down;

    public LoopbackProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accept = Task.Run(AcceptAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>The first request line ("PUT /agent/v1/blobs/… HTTP/1.1") of each connection reset while down.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Refused { get; } = new();

    public bool Down
    {
        get => _down;
        set
        {
            _down = value;
            if (!value) return;
            lock (_lock)
            {
                foreach (var c in _open) Reset(c);
                _open.Clear();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; } // stopped
            if (_down)
            {
                _ = Task.Run(() => RefuseAsync(client));
                continue;
            }
            _ = Task.Run(() => PipeAsync(client));
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            lock (_lock)
            {
                if (_down) { Reset(client); return; }
                _open.Add(client);
                _open.Add(upstream);
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var a = client.GetStream().CopyToAsync(upstream.GetStream(), linked.Token);
            var b = upstream.GetStream().CopyToAsync(client.GetStream(), linked.Token);
            await Task.WhenAny(a, b);
            await linked.CancelAsync();
        }
        catch (Exception) { /* cut, reset or stopped: the client sees a connection error */ }
        finally
        {
            lock (_lock)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
            client.Dispose();
        }
    }

    private async Task RefuseAsync(TcpClient client)
    {
        string line = "(no request)";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var buffer = new byte[512];
            int n = 0;
            while (n < buffer.Length)
            {
                int read = await client.GetStream().ReadAsync(buffer.AsMemory(n), timeout.Token);
                if (read == 0) break;
                n += read;
                int end = Array.IndexOf(buffer, (byte)'\r', 0, n);
                if (end >= 0) { n = end; break; }
            }
            line = System.Text.Encoding.ASCII.GetString(buffer, 0, n);
        }
        catch (Exception) { /* the client gave up first */ }
        Refused.Enqueue(line);
        Reset(client);
    }

    /// <summary>Closes with a TCP reset, like a peer that vanished.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0);
            client.Dispose();
        }
        catch (Exception) { /* already closed */ }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        lock (_lock)
        {
            foreach (var c in _open) Reset(c);
            _open.Clear();
        }
        _stop.Dispose();
    }
}
