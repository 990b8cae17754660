using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.JsonRpc.Client;
using Nethereum.JsonRpc.Client.RpcMessages;

namespace Verity.Chain.Rpc;

/// <summary>
/// Nethereum's HTTP JSON-RPC client with retries and clear errors. Transient failures (connection
/// refused/reset, timeouts, HTTP 429/5xx, a JSON-RPC "rate limited" answer) are retried with capped exponential
/// backoff; what is left becomes a <see cref="ChainRpcException"/> naming the endpoint as host and port only.
/// JSON-RPC error answers (a revert, "nonce too low") pass through untouched: they are answers, not failures.
/// </summary>
public sealed class ChainRpcClient : RpcClient
{
    private readonly RpcRetryPolicy _policy;
    private readonly ILogger _logger;

    public ChainRpcClient(RpcEndpoint endpoint, RpcRetryPolicy? policy = null, ILogger? logger = null)
        : this(endpoint, policy ?? RpcRetryPolicy.Default, logger ?? NullLogger.Instance, CreateHttpClient(policy ?? RpcRetryPolicy.Default))
    {
    }

    private ChainRpcClient(RpcEndpoint endpoint, RpcRetryPolicy policy, ILogger logger, HttpClient http)
        // Basic auth from user info (https://user:pass@host) as Nethereum does it; no Nethereum logger, because it
        // logs whole requests and answers.
        : base(endpoint.Uri, http, BasicAuth(endpoint.Uri), null, null)
    {
        policy.Validate();
        Endpoint = endpoint;
        _policy = policy;
        _logger = logger;
        ConnectionTimeout = policy.RequestTimeout;
    }

    public RpcEndpoint Endpoint { get; }

    public override Task<RpcResponseMessage> SendAsync(RpcRequestMessage request, string? route = null) =>
        WithRetries(request.Method, () => base.SendAsync(request, route), r => IsRateLimited(r.Error));

    protected override Task<RpcResponseMessage[]> SendAsync(RpcRequestMessage[] requests) =>
        WithRetries(string.Join(",", requests.Select(r => r.Method).Distinct()), () => base.SendAsync(requests),
            rs => rs.Any(r => IsRateLimited(r.Error)));

    private async Task<T> WithRetries<T>(string method, Func<Task<T>> send, Func<T, bool> rateLimited)
    {
        for (var attempt = 1; ; attempt++)
        {
            ChainRpcException failure;
            try
            {
                var result = await send().ConfigureAwait(false);
                if (!rateLimited(result)) return result;
                failure = new ChainRpcException(
                    $"the Ethereum RPC at {Endpoint.Display} is rate limiting requests ({method})", Endpoint.Display, method, true);
            }
            catch (Exception e) when (e is RpcClientTimeoutException or RpcClientUnknownException)
            {
                failure = Classify(method, e);
            }
            if (!failure.Transient || attempt >= _policy.MaxAttempts)
            {
                if (attempt > 1)
                    throw new ChainRpcException($"{failure.Message} (gave up after {attempt} attempts)", failure.Endpoint,
                        failure.Method, failure.Transient, failure.InnerException);
                throw failure;
            }
            var delay = _policy.DelayAfter(attempt);
            _logger.LogWarning("{Failure}; retry {Attempt}/{MaxAttempts} in {DelayMs} ms",
                failure.Message, attempt + 1, _policy.MaxAttempts, (int)delay.TotalMilliseconds);
            await Task.Delay(delay).ConfigureAwait(false);
        }
    }

    private ChainRpcException Classify(string method, Exception e)
    {
        if (e is RpcClientTimeoutException)
            return new ChainRpcException(
                $"the Ethereum RPC at {Endpoint.Display} did not answer {method} within {_policy.RequestTimeout.TotalSeconds:0.#} s",
                Endpoint.Display, method, true);
        var http = Find<HttpRequestException>(e);
        if (http?.StatusCode is { } status)
        {
            var code = (int)status;
            var transient = code == 429 || code >= 500;
            return new ChainRpcException(
                $"the Ethereum RPC at {Endpoint.Display} answered {method} with HTTP {code} ({status})",
                Endpoint.Display, method, transient, http);
        }
        if (Find<SocketException>(e) is { } socket)
            return new ChainRpcException($"cannot reach the Ethereum RPC at {Endpoint.Display}: {Describe(socket.SocketErrorCode)}",
                Endpoint.Display, method, IsTransient(socket.SocketErrorCode), socket);
        if (http != null || Find<IOException>(e) != null)
            return new ChainRpcException($"cannot reach the Ethereum RPC at {Endpoint.Display}: the connection was closed ({method})",
                Endpoint.Display, method, true, (Exception?)http ?? Find<IOException>(e));
        if (Find<TaskCanceledException>(e) != null || Find<TimeoutException>(e) != null)
            return new ChainRpcException(
                $"the Ethereum RPC at {Endpoint.Display} did not answer {method} within {_policy.RequestTimeout.TotalSeconds:0.#} s",
                Endpoint.Display, method, true);
        // Anything else (an HTML page, broken JSON) will not get better by asking again.
        return new ChainRpcException(
            $"the Ethereum RPC at {Endpoint.Display} gave an answer to {method} that is not JSON-RPC: {e.InnerException?.GetType().Name ?? e.GetType().Name}",
            Endpoint.Display, method, false);
    }

    private static bool IsRateLimited(Nethereum.JsonRpc.Client.RpcMessages.RpcError? error) =>
        error != null && (error.Code == 429 || (error.Code == -32005 && error.Message?.Contains("limit", StringComparison.OrdinalIgnoreCase) == true));

    private static bool IsTransient(SocketError error) => error is SocketError.ConnectionRefused or SocketError.ConnectionReset
        or SocketError.ConnectionAborted or SocketError.TimedOut or SocketError.TryAgain or SocketError.HostUnreachable
        or SocketError.NetworkUnreachable or SocketError.NetworkDown or SocketError.Shutdown or SocketError.NotConnected;

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TryAgain => "host lookup failed (try again)",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable or SocketError.NetworkDown => "network unreachable",
        _ => $"socket error {error}",
    };

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e != null; e = e.InnerException)
            if (e is T t) return t;
        return null;
    }

    private static HttpClient CreateHttpClient(RpcRetryPolicy policy) =>
        // The request timeout is enforced by Nethereum (ConnectionTimeout); the HttpClient's own is only a backstop.
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = policy.RequestTimeout + TimeSpan.FromSeconds(5),
        };

    private static AuthenticationHeaderValue? BasicAuth(Uri uri) =>
        string.IsNullOrEmpty(uri.UserInfo)
            ? null
            : new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo))));
}
