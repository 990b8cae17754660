using System.Net;
using System.Net.Sockets;
using Verity.Chain.Anvil;
using Verity.Market.Devnet;

namespace Verity.Cli.Tests.Market;

/// <summary>The devnet's anvil outlives the process that started it, is found again by its pid file, and stops.</summary>
public sealed class DevnetProcessTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-devnet-process-").FullName;

    public async ValueTask DisposeAsync()
    {
        await DevnetProcess.StopAsync(_dir, CancellationToken.None);
        Directory.Delete(_dir, recursive: true);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_detached_anvil_listens_is_found_by_its_pid_and_stops()
    {
        var anvil = AnvilProcess.Locate() ?? throw new InvalidOperationException("anvil not found: run scripts/install-chain-tools.sh");
        int port = FreePort();
        int pid = await DevnetProcess.StartDetachedAsync(anvil, _dir, port, CancellationToken.None);

        Assert.Equal(pid, DevnetProcess.RunningPid(_dir));
        using (var http = new HttpClient())
        {
            var response = await http.PostAsync($"http://127.0.0.1:{port}",
                new StringContent("""{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Contains("0x7a69", await response.Content.ReadAsStringAsync());
        }

        Assert.True(await DevnetProcess.StopAsync(_dir, CancellationToken.None));
        Assert.Null(DevnetProcess.RunningPid(_dir));
        Assert.False(File.Exists(Path.Combine(_dir, DevnetProcess.PidFile)));
        Assert.False(await DevnetProcess.StopAsync(_dir, CancellationToken.None));
    }

    [Fact]
    public async Task A_port_in_use_is_reported_with_anvils_own_words()
    {
        var anvil = AnvilProcess.Locate() ?? throw new InvalidOperationException("anvil not found: run scripts/install-chain-tools.sh");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var e = await Assert.ThrowsAsync<DevnetException>(() => DevnetProcess.StartDetachedAsync(anvil, _dir, port, CancellationToken.None));
        Assert.Contains($"anvil exited before listening on port {port}", e.Message);
        Assert.Null(DevnetProcess.RunningPid(_dir));
    }
}
