using System.Text;
using Verity.Aztec;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Tests.Aztec;

/// <summary>`verity aztec status|jobs` against a real node serving the Aztec endpoint, and against one that does not.</summary>
[Collection(nameof(InProcessCli))]
public sealed class AztecCommandTests
{
    private const string ApiKey = "cli-aztec-api-key-0123456789";

    private static async Task<RunningNode> StartNodeAsync(string dataDir, bool aztec) =>
        await NodeHost.StartAsync(new NodeOptions
        {
            DataDir = dataDir,
            Listen = "http://127.0.0.1:0",
            Agents = 0,
            ApiKeys = [ApiKey],
            AgentToken = "cli-aztec-agent-token-0123456789",
            Aztec = aztec ? new AztecOptions { Listen = "http://127.0.0.1:0", AllowFrom = ["loopback"] } : new AztecOptions(),
        }, DefaultComponents.Create(), log: _ => { });

    private static async Task CallAsync(Uri aztec, string method, string @params)
    {
        using var http = new HttpClient();
        using var body = new StringContent($$"""[{"jsonrpc":"2.0","id":1,"method":"proverBroker_{{method}}","params":{{@params}}}]""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(aztec, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode && !text.Contains("\"error\""), text);
    }

    [Fact]
    public async Task Status_and_jobs_show_the_jobs_by_Aztec_type_name_and_state()
    {
        string dir = Path.Combine(Path.GetTempPath(), "verity-cli-aztec", Guid.NewGuid().ToString("N"));
        await using var node = await StartNodeAsync(dir, aztec: true);
        var aztec = node.AztecAddress!;
        await CallAsync(aztec, "enqueueProvingJob", """[{"id":"3:PARITY_BASE:aa","type":16,"epochNumber":3,"inputsUri":"data:x"}]""");
        await CallAsync(aztec, "enqueueProvingJob", """[{"id":"3:ROOT_ROLLUP:bb","type":15,"epochNumber":3,"inputsUri":"data:y"}]""");
        await CallAsync(aztec, "getProvingJob", "[]");
        // The report hands the PARITY_BASE job to the same agent: it is then running.
        await CallAsync(aztec, "reportProvingJobError", """["3:ROOT_ROLLUP:bb","the circuit failed",false]""");

        var (code, output, error) = InProcessCli.Run("aztec", "status", "--node", node.BaseAddress.ToString(), "--api-key", ApiKey);
        Assert.True(code == 0, error);
        Assert.Contains("newest epoch 3", output);
        Assert.Contains($"Aztec endpoint {aztec}", output);
        var lines = InProcessCli.Lines(output);
        Assert.Contains(lines, l => l.StartsWith("ROOT_ROLLUP", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..] is ["0", "0", "0", "1"]);
        Assert.Contains(lines, l => l.StartsWith("PARITY_BASE", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..] is ["0", "1", "0", "0"]);
        Assert.Contains("the circuit failed", output);

        (code, output, error) = InProcessCli.Run("aztec", "jobs", "--state", "rejected", "--node", node.BaseAddress.ToString(), "--api-key", ApiKey);
        Assert.True(code == 0, error);
        Assert.Contains("ROOT_ROLLUP", output);
        Assert.DoesNotContain("PARITY_BASE", output);

        (code, _, error) = InProcessCli.Run("aztec", "jobs", "--state", "lost", "--node", node.BaseAddress.ToString(), "--api-key", ApiKey);
        Assert.NotEqual(0, code);
        Assert.Contains("queued, in_progress, fulfilled, rejected", error);
    }

    [Fact]
    public async Task A_node_without_the_endpoint_is_named_as_such()
    {
        string dir = Path.Combine(Path.GetTempPath(), "verity-cli-aztec", Guid.NewGuid().ToString("N"));
        await using var node = await StartNodeAsync(dir, aztec: false);
        Assert.Null(node.AztecAddress);
        var (code, _, error) = InProcessCli.Run("aztec", "status", "--node", node.BaseAddress.ToString(), "--api-key", ApiKey);
        Assert.NotEqual(0, code);
        Assert.Contains("serves no Aztec endpoint", error);
    }
}
