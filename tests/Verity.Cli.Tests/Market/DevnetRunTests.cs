using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using Verity.Market.Devnet;

namespace Verity.Cli.Tests.Market;

/// <summary>
/// `verity devnet` (no subcommand) end to end, as a separate process: anvil, order stream, two provers (node + broker,
/// real proving) and the requestor bot, until three requests are in and all have ended; the JSON summary is read
/// from the market's events. Minutes on a 2-core machine; the hang guard is far above that and asserts nothing.
/// </summary>
public sealed class DevnetRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("verity-devnet-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(20))) { p.Kill(true); throw new TimeoutException($"verity devnet hung; log: {_dir}/devnet.log"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Devnet_orders_3_json_ends_every_request_and_sums_up_from_the_chain()
    {
        var (code, output, err) = Run("devnet", "--orders", "3", "--rate", "20", "--seed", "1", "--json", "--dir", _dir);

        Assert.True(code == 0, $"exit {code}: {output}{err}\nlog: {Tail(Path.Combine(_dir, "devnet.log"))}");
        using var doc = JsonDocument.Parse(output.Trim());   // --json: one object and nothing else on stdout
        var root = doc.RootElement;
        int Count(string name) => root.GetProperty(name).GetInt32();
        Assert.Equal(3, Count("submitted"));
        // Every request ended: fulfilled, or expired (any lock on it slashed).
        Assert.Equal(3, Count("fulfilled") + Count("expired_unfulfilled"));
        // Seed 1 draws three feasible requests (loop, loop, fibonacci): the brokers prove them.
        Assert.True(Count("fulfilled") >= 1, output);
        Assert.InRange(Count("locked"), Count("fulfilled") - 0, 3);

        var deployment = DevnetDeployment.Load(Path.Combine(_dir, DevnetDeployment.FileName));
        var provers = root.GetProperty("provers").EnumerateArray().ToList();
        Assert.Equal([deployment.Accounts["prover"].Address, deployment.Accounts["prover2"].Address],
            provers.Take(2).Select(p => p.GetProperty("address").GetString()));
        Assert.Equal(Count("fulfilled"), provers.Sum(p => p.GetProperty("fulfilled").GetInt32()));
        Assert.Equal(Count("locked"), provers.Sum(p => p.GetProperty("locks").GetInt32()));
        foreach (var p in provers.Where(p => p.GetProperty("fulfilled").GetInt32() > 0))
            Assert.True(BigInteger.Parse(p.GetProperty("earned_wei").GetString()!) > 0, p.GetRawText());
        foreach (var account in deployment.Accounts.Values)
            Assert.DoesNotContain(account.Key[2..], output + err + File.ReadAllText(Path.Combine(_dir, "devnet.log")), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("--orders 0", "--orders must be at least 1")]
    [InlineData("--rate 0", "--rate must be in (0, 600]")]
    [InlineData("--json", "--json prints the summary at the end: give --orders N too")]
    public void Bad_arguments_exit_2_naming_the_problem(string args, string expected)
    {
        var (code, output, err) = Run(["devnet", "--dir", _dir, .. args.Split(' ')]);
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        Assert.Contains(expected, err);
    }

    private static string Tail(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(40)) : "(no log)";
}
