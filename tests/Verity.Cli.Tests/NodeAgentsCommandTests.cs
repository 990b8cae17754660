using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Verity.Cluster.Protocol;
using Verity.Node.Configuration;
using Verity.Node.Hosting;

namespace Verity.Cli.Tests;

/// <summary>`verity node agents add | list | revoke` against a real node (no embedded agents).</summary>
public sealed class NodeAgentsCommandTests : IAsyncLifetime
{
    private const string ApiKey = "cli-admin-key-0123456789abcdef";
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"verity-cli-agents-{Guid.NewGuid():N}");
    private RunningNode _node = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        var options = new NodeOptions
        {
            DataDir = Path.Combine(_home, "data"), Listen = "http://127.0.0.1:0", Agents = 0, ApiKeys = [ApiKey], AgentToken = "shared-agent-token-0123456789",
        };
        _node = await NodeHost.StartAsync(options, DefaultComponents.Create(), _ => { });
    }

    public async Task DisposeAsync()
    {
        await _node.StopAsync();
        Directory.Delete(_home, recursive: true);
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _home };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "--node", _node.BaseAddress.ToString(), "--api-key", ApiKey }) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["XDG_DATA_HOME"] = Path.Combine(_home, "xdg");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); throw new TimeoutException("verity did not exit"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private async Task<int> RpcStatusAsync(string token, string agentId)
    {
        using var http = new HttpClient { BaseAddress = _node.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, AgentRpc.Path)
        {
            Content = new StringContent($"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{AgentRpc.GetTask}\",\"params\":{{\"agentId\":\"{agentId}\"}}}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Add_prints_a_token_list_shows_it_and_revoke_ends_it()
    {
        var (code, output, err) = Run("node", "agents", "add", "gpu-1");
        Assert.True(code == 0, output + err);
        string token = output.Trim();
        Assert.Equal(64, token.Length);
        Assert.Contains("not shown again", err);
        Assert.Equal(200, await RpcStatusAsync(token, "gpu-1/0"));
        Assert.Equal(403, await RpcStatusAsync(token, "someone-else/0"));

        var (l, list, _) = Run("node", "agents", "list");
        Assert.Equal(0, l);
        Assert.Contains("gpu-1\tcreated ", list);
        Assert.Contains("\tvalid", list);
        Assert.DoesNotContain(token, list);

        var (twice, _, twiceErr) = Run("node", "agents", "add", "gpu-1");
        Assert.Equal(1, twice);
        Assert.Contains("already has a credential", twiceErr);

        var (r, revoked, _) = Run("node", "agents", "revoke", "gpu-1");
        Assert.Equal(0, r);
        Assert.Contains("revoked agent 'gpu-1'", revoked);
        Assert.Equal(401, await RpcStatusAsync(token, "gpu-1/0"));
        Assert.Contains("\trevoked ", Run("node", "agents", "list").Out);
    }
}
