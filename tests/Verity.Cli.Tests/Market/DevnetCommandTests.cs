using System.Text.Json;
using Verity.Market.Devnet;

namespace Verity.Cli.Tests.Market;

/// <summary>`verity devnet up | down`: a detached anvil with the market deployed, found again, refused twice, stopped.</summary>
[Collection(nameof(InProcessCli))]
public sealed class DevnetCommandTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-devnet-cli-").FullName;

    public async ValueTask DisposeAsync()
    {
        await DevnetProcess.StopAsync(_dir, CancellationToken.None);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Up_deploys_and_funds_prints_no_key_refuses_a_second_up_and_down_stops_it()
    {
        int port = DevnetProcessTests.FreePort();
        var (code, output, err) = InProcessCli.Run("devnet", "up", "--dir", _dir, "--port", port.ToString(), "--json");
        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output.Trim());
        var root = doc.RootElement;
        int pid = root.GetProperty("pid").GetInt32();
        Assert.Equal(pid, DevnetProcess.RunningPid(_dir));
        var file = Path.Combine(_dir, DevnetDeployment.FileName);
        var deployment = DevnetDeployment.Load(file);
        Assert.True(deployment.IsDevelopment);
        Assert.Equal($"http://127.0.0.1:{port}", deployment.RpcUrl);
        Assert.Equal(deployment.Addresses.Market, root.GetProperty("addresses").GetProperty("market").GetString());
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        foreach (var (role, account) in deployment.Accounts)
        {
            Assert.Equal(account.Address, root.GetProperty("accounts").GetProperty(role).GetString());
            Assert.DoesNotContain(account.Key[2..], output + err, StringComparison.OrdinalIgnoreCase);
        }

        // The roles are funded: the requestor's deposit is in the market.
        var balance = JsonDocument.Parse(InProcessCli.Run("account", "balance", "--account", "requestor", "--deployment", file, "--json").Out.Trim());
        Assert.Equal(DevnetSetup.RequestorDeposit.ToString(), balance.RootElement.GetProperty("market").GetString());

        var (again, _, againErr) = InProcessCli.Run("devnet", "up", "--dir", _dir, "--port", port.ToString());
        Assert.Equal(1, again);
        Assert.Contains($"a devnet already runs in {_dir} (anvil pid {pid})", againErr);

        var (down, downOut, _) = InProcessCli.Run("devnet", "down", "--dir", _dir);
        Assert.Equal(0, down);
        Assert.Contains("stopped", downOut);
        Assert.Null(DevnetProcess.RunningPid(_dir));
        Assert.False(File.Exists(Path.Combine("/proc", pid.ToString(), "cmdline")) && File.ReadAllText(Path.Combine("/proc", pid.ToString(), "cmdline")).Contains("anvil"));
        Assert.False(File.Exists(file));
    }
}
