using System.Net.Http.Json;
using System.Text.Json;
using Verity.Broker.Api;
using Verity.Cluster.Protocol;

namespace Verity.Cli.Commands.Broker;

/// <summary>
/// The extension routes of a node behind its API key: the broker's (docs/BROKER.md §7) for `verity orders` and
/// `verity node drain`, and the Aztec endpoint's (docs/AZTEC.md §5) for `verity aztec`.
/// </summary>
internal sealed class BrokerApiClient(Uri node, string apiKey) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = node, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The client for a command's --node, --api-key and --data-dir.</summary>
    public static BrokerApiClient Create(NodeClientOptions node, System.CommandLine.ParseResult r)
    {
        var address = node.ParseNode(r) ?? throw new CliException("--node is required.");
        return new BrokerApiClient(address, NodeCredentials.ResolveApiKey(r.GetValue(node.ApiKey), r.GetValue(node.DataDir)));
    }

    /// <summary>A member of an answer as text for a table: strings as they are, other values as JSON, "-" when absent.</summary>
    public static string Field(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText() : "-";

    public Uri Node => node;

    public Task<JsonElement> StatusAsync(CancellationToken ct) => GetAsync("v1/broker/status", ct);

    public Task<JsonElement> OrdersAsync(string? states, int limit, CancellationToken ct) =>
        GetAsync($"v1/broker/orders?limit={limit}" + (states is null ? "" : "&state=" + Uri.EscapeDataString(states)), ct);

    public Task<JsonElement> OrderAsync(string orderId, CancellationToken ct) => GetAsync($"v1/broker/orders/{Uri.EscapeDataString(orderId)}", ct);

    public Task<JsonElement> RequestOrdersAsync(string requestId, CancellationToken ct) => GetAsync($"v1/broker/requests/{Uri.EscapeDataString(requestId)}", ct);

    public async Task DrainAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/broker/drain");
        request.Headers.Add(JobApi.ApiKeyHeader, apiKey);
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        await EnsureAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>GET /v1/aztec/status (counts by type and state, the newest <paramref name="limit"/> jobs).</summary>
    public Task<JsonElement> AztecStatusAsync(int limit, CancellationToken ct) => GetAsync($"v1/aztec/status?limit={limit}", ct, AztecOff);

    /// <summary>GET /v1/aztec/jobs, optionally in one state.</summary>
    public Task<JsonElement> AztecJobsAsync(string? state, int limit, CancellationToken ct) =>
        GetAsync($"v1/aztec/jobs?limit={limit}" + (state is null ? "" : "&state=" + Uri.EscapeDataString(state)), ct, AztecOff);

    private const string BrokerOff = "runs no broker (start it with `verity node --broker broker.toml`)";
    private const string AztecOff = "serves no Aztec endpoint (start it with `verity node --aztec-listen http://HOST:PORT`)";

    private async Task<JsonElement> GetAsync(string path, CancellationToken ct, string whenMissing = BrokerOff)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(JobApi.ApiKeyHeader, apiKey);
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        await EnsureAsync(response, ct, whenMissing).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<JsonElement>(BrokerJson.Options, ct).ConfigureAwait(false);
    }

    private async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct, string whenMissing = BrokerOff)
    {
        if (response.IsSuccessStatusCode) return;
        string message = $"HTTP {(int)response.StatusCode}";
        try
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false);
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var e)) message = e.GetString() ?? message;
        }
        catch (JsonException) { }
        if ((int)response.StatusCode == 404 && message.StartsWith("no route", StringComparison.Ordinal))
            message = $"{node} {whenMissing}";
        throw new CliFailureException($"{node}: {message}");
    }

    public void Dispose() => _http.Dispose();
}
