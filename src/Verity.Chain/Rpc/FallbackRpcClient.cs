using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.JsonRpc.Client;
using Nethereum.JsonRpc.Client.RpcMessages;
using Nethereum.Web3;

namespace Verity.Chain.Rpc;

/// <summary>
/// Several Ethereum RPC endpoints tried in order: each request goes to the first endpoint that has not failed lately;
/// when it fails for good (its <see cref="ChainRpcClient"/> already retried the transient failures) the next one is
/// tried. The endpoint that answered last stays the first choice, so a dead primary costs one failure, not one per
/// request. JSON-RPC error answers (reverts) are answers and are not retried elsewhere. Messages name endpoints by
/// host and port only.
/// </summary>
public sealed class FallbackRpcClient : ClientBase
{
    private readonly IReadOnlyList<ChainRpcClient> _clients;
    private readonly ILogger _logger;
    private int _preferred;

    public FallbackRpcClient(IReadOnlyList<ChainRpcClient> clients, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        if (clients.Count == 0) throw new ArgumentException("at least one RPC endpoint is needed", nameof(clients));
        _clients = clients;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>One client per URL, in order (each with its own retries).</summary>
    /// <exception cref="FormatException">a URL is not http(s); the message says which one by position, never the URL.</exception>
    public static FallbackRpcClient Create(IReadOnlyList<string> urls, RpcRetryPolicy? policy = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(urls);
        if (urls.Count == 0) throw new ArgumentException("at least one RPC URL is needed", nameof(urls));
        var clients = new List<ChainRpcClient>();
        for (int i = 0; i < urls.Count; i++)
        {
            try { clients.Add(ChainRpc.CreateClient(urls[i], policy, logger)); }
            catch (FormatException e) { throw new FormatException($"RPC URL #{i + 1}: {e.Message}", e); }
        }
        return new FallbackRpcClient(clients, logger);
    }

    /// <summary>A <see cref="Web3"/> over <see cref="Create"/>; it signs nothing.</summary>
    public static Web3 CreateWeb3(IReadOnlyList<string> urls, RpcRetryPolicy? policy = null, ILogger? logger = null) =>
        new(Create(urls, policy, logger));

    /// <summary>The endpoints, as they may be shown.</summary>
    public IReadOnlyList<string> Endpoints => [.. _clients.Select(c => c.Endpoint.Display)];

    /// <summary>The endpoint tried first now.</summary>
    public string Current => _clients[Volatile.Read(ref _preferred)].Endpoint.Display;

    public override Task<RpcResponseMessage> SendAsync(RpcRequestMessage request, string? route = null) =>
        WithFallback(request.Method, c => c.SendAsync(request, route));

    protected override async Task<RpcResponseMessage[]> SendAsync(RpcRequestMessage[] requests)
    {
        // A batch goes to one endpoint as single requests (the child's batch call is not public); order is kept.
        var results = new RpcResponseMessage[requests.Length];
        for (int i = 0; i < requests.Length; i++) results[i] = await SendAsync(requests[i]).ConfigureAwait(false);
        return results;
    }

    private async Task<T> WithFallback<T>(string method, Func<ChainRpcClient, Task<T>> send)
    {
        int start = Volatile.Read(ref _preferred);
        ChainRpcException? last = null;
        for (int k = 0; k < _clients.Count; k++)
        {
            int i = (start + k) % _clients.Count;
            try
            {
                var result = await send(_clients[i]).ConfigureAwait(false);
                if (i != start)
                {
                    Volatile.Write(ref _preferred, i);
                    _logger.LogWarning("Ethereum RPC: using {Endpoint} now ({Failed} failed)", _clients[i].Endpoint.Display, _clients[start].Endpoint.Display);
                }
                return result;
            }
            catch (ChainRpcException e)
            {
                last = e;
                if (_clients.Count > 1)
                    _logger.LogWarning("Ethereum RPC {Endpoint} failed ({Method}): {Error}; trying the next endpoint", e.Endpoint, method, e.Message);
            }
        }
        throw new ChainRpcException(
            _clients.Count == 1 ? last!.Message : $"every Ethereum RPC endpoint failed ({string.Join(", ", Endpoints)}); last: {last!.Message}",
            last.Endpoint, method, last.Transient, last);
    }
}
