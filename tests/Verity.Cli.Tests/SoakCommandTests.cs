using System.Diagnostics;
using System.Text.Json;

namespace Verity.Cli.Tests;

/// <summary>
/// `verity bench soak`: a tiny soak (3 simulated jobs on SQLite, one node kill and one agent kill) run as a child
/// process, and its report checked for consistency — every job accounted for once, the planned faults injected, the
/// exit code agreeing with the verdict. Whether today's node passes is the soak's finding, not this test's: the test
/// checks the harness, so it holds whatever the cluster does and however slow the machine is.
/// </summary>
public sealed class SoakCommandTests : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"verity-cli-soak-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    private static (int Code, string Out, string Err) Run(TimeSpan limit, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"verity {string.Join(' ', args)} did not exit within {limit.TotalSeconds:0} s; stderr:\n{stderr.Result}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void A_tiny_soak_with_a_node_kill_and_an_agent_kill_accounts_for_every_job_and_fault()
    {
        // The soak's own limit on the jobs (--timeout) is well inside this one, so a slow machine gives "lost" jobs in
        // the report rather than a test that times out.
        var (code, stdout, stderr) = Run(TimeSpan.FromMinutes(5),
            "bench", "soak", "--jobs", "3", "--simulated", "--simulated-task-ms", "50", "--store", "sqlite",
            "--faults", "--fault-plan", "node-kill,agent-kill", "--fault-gap", "0", "--remote-agents", "1",
            "--heartbeat-timeout", "5", "--timeout", "120", "--work-dir", _work, "--json");
        Assert.True(code is 0 or 1, $"exit {code}; stderr:\n{stderr}");
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("simulated").GetBoolean());
        var run = Assert.Single(root.GetProperty("runs").EnumerateArray());
        Assert.Equal("sqlite", run.GetProperty("store").GetString());
        int Int(string name) => run.GetProperty(name).GetInt32();

        Assert.Equal(3, Int("jobs"));
        Assert.Equal(3, Int("completed") + Int("failed") + Int("lost"));
        var faults = run.GetProperty("faults");
        Assert.Equal(1, faults.GetProperty("node-kill").GetInt32());
        Assert.Equal(1, faults.GetProperty("agent-kill").GetInt32());
        Assert.Equal(0, faults.GetProperty("db-restart").GetInt32());
        Assert.Equal(0, faults.GetProperty("db-lock").GetInt32());

        Assert.Equal("claim-only", run.GetProperty("receipt_check").GetString());
        Assert.InRange(Int("receipts_verified"), 0, Int("completed"));
        // Each job's problem is listed once: failed, lost, or a receipt that did not check out.
        int problems = run.GetProperty("problems").GetArrayLength();
        Assert.Equal(Int("failed") + Int("lost") + (Int("completed") - Int("receipts_verified")), problems);
        // A completed job ran at least execute, one prove and finalize.
        Assert.True(Int("task_runs") >= 3 * Int("completed"), $"task_runs {Int("task_runs")} for {Int("completed")} completed job(s)");
        Assert.InRange(Int("extra_task_runs"), 0, Int("task_runs"));
        Assert.Equal(2, Int("expected_agents_live"));

        bool passed = Int("failed") == 0 && Int("lost") == 0 && Int("completed") == 3 && Int("receipts_verified") == 3;
        Assert.Equal(passed, run.GetProperty("passed").GetBoolean());
        Assert.Equal(passed, root.GetProperty("passed").GetBoolean());
        Assert.Equal(passed ? 0 : 1, code);
        Assert.True(Directory.Exists(Path.Combine(_work, "sqlite", "logs")), "the logs stay in --work-dir");
        Assert.True(File.Exists(Path.Combine(_work, "sqlite", "logs", "node.log")));
    }

    [Theory]
    [InlineData("--jobs 0", "--jobs must be in 1..10000")]
    [InlineData("--faults --fault-plan node-kill,bogus", "unknown fault 'bogus'")]
    [InlineData("--fault-plan node-kill", "--fault-plan needs --faults")]
    [InlineData("--agents 0 --remote-agents 0", "nothing would prove the jobs")]
    [InlineData("--po2 30", "--po2 must be in 4..24")]
    [InlineData("--heartbeat-timeout 1", "--heartbeat-timeout must be at least 3 s")]
    [InlineData("--store mysql", "mysql")]
    public void Bad_arguments_exit_2_naming_the_flag(string args, string expected)
    {
        var (code, stdout, stderr) = Run(TimeSpan.FromMinutes(1), ["bench", "soak", .. args.Split(' ')]);
        Assert.True(code == 2, $"exit {code}: {stdout}{stderr}");
        Assert.Contains(expected, stderr);
    }
}
