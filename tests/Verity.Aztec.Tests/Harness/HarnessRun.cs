namespace Verity.Aztec.Tests.Harness;

/// <summary>
/// Runs one scenario of tools/aztec/harness/harness.mjs (Aztec's agents and facade) against a broker URL and fails
/// with the harness's whole output when a check does not hold. `restart` is answered through <paramref name="restart"/>.
/// </summary>
internal static class HarnessRun
{
    /// <summary>
    /// The job timeout both brokers run with in these tests: short enough that the timeout scenarios stay short, long
    /// enough (80 of the agents' 100 ms heartbeats) that a loaded CI machine stalling a process for seconds does not
    /// take a heartbeating job away and break a scenario that is not about timeouts.
    /// </summary>
    public const int JobTimeoutMs = 8000;
    public const int PollIntervalMs = 200;

    // Each run's jobs use epochs E-1..E+1, and a broker refuses epochs older than its newest minus one: rising epochs
    // keep the runs against one broker independent of their order.
    private static int s_epoch = 1000;

    public static async Task RunAsync(Uri url, string scenario, IEnumerable<string>? extra = null, Func<Task>? restart = null)
    {
        int epoch = Interlocked.Add(ref s_epoch, 10);
        var args = new List<string>
        {
            "--url", url.ToString().TrimEnd('/'), "--scenario", scenario, "--epoch", $"{epoch}",
            "--job-timeout-ms", $"{JobTimeoutMs}",
        };
        if (extra != null) args.AddRange(extra);

        NodeScript? script = null;
        Task restarting = Task.CompletedTask;
        script = NodeScript.Start("harness.mjs", args, line =>
        {
            if (line.Contains("\"restart-now\"", StringComparison.Ordinal))
            {
                if (restart == null) throw new InvalidOperationException("the scenario asked for a restart this test cannot do");
                restarting = RestartAndTellAsync(script!, restart);
            }
            return Task.CompletedTask;
        });
        await using (script)
        {
            int code = await script.WaitAsync();
            await restarting;
            Assert.True(code == 0, $"harness scenario {scenario} against {url} exited {code}:\n{script.Output}");
            Assert.Contains($"\"scenario\":\"{scenario}\",\"ok\":true", script.Output, StringComparison.Ordinal);
        }
    }

    private static async Task RestartAndTellAsync(NodeScript script, Func<Task> restart)
    {
        await restart();
        await script.WriteLineAsync("restarted");
    }
}
