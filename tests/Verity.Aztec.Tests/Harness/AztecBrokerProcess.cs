using System.Text.Json;

namespace Verity.Aztec.Tests.Harness;

/// <summary>
/// Aztec's own ProvingBroker (in-memory database) behind Aztec's own JSON-RPC server, as `aztec start --prover-broker`
/// runs it (tools/aztec/harness/aztec-broker.mjs): the reference every harness scenario is checked against.
/// </summary>
internal sealed class AztecBrokerProcess : IAsyncDisposable
{
    private readonly NodeScript _script;

    private AztecBrokerProcess(NodeScript script, Uri url)
    {
        _script = script;
        Url = url;
    }

    public Uri Url { get; }

    public string Output => _script.Output;

    public static async Task<AztecBrokerProcess> StartAsync(int jobTimeoutMs, int pollIntervalMs, string maxBodySize = "1mb")
    {
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = NodeScript.Start("aztec-broker.mjs",
            ["--job-timeout-ms", $"{jobTimeoutMs}", "--poll-interval-ms", $"{pollIntervalMs}", "--max-body-size", maxBodySize],
            line =>
            {
                if (line.StartsWith('{') && JsonDocument.Parse(line).RootElement.TryGetProperty("url", out var u))
                    url.TrySetResult(new Uri(u.GetString()!));
                return Task.CompletedTask;
            });
        var started = await Task.WhenAny(url.Task, Task.Delay(NodeScript.HangGuard));
        if (started != url.Task)
        {
            string output = script.Output;
            await script.DisposeAsync();
            throw new TimeoutException($"hang guard: aztec-broker.mjs printed no URL\n{output}");
        }
        return new AztecBrokerProcess(script, url.Task.Result);
    }

    public ValueTask DisposeAsync() => _script.DisposeAsync();
}
