using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>Polling instead of sleeping: waits for a condition with a generous timeout, and says what it last saw when it gives up.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(string what, Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow >= until)
                throw new TimeoutException($"{what}: not seen within {timeout.TotalSeconds:0.#} s; last seen: {Describe(value)}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Polls the job's status until <paramref name="done"/> holds.</summary>
    public static Task<JobStatusView> StatusAsync(NodeClient client, string jobId, string what, Func<JobStatusView, bool> done, TimeSpan timeout) =>
        WaitAsync($"job {jobId}: {what}", () => client.GetStatusAsync(jobId), done, timeout, TimeSpan.FromMilliseconds(50));

    /// <summary>Waits until the job has ended, whatever its end.</summary>
    public static Task<JobStatusView> EndedAsync(NodeClient client, string jobId, TimeSpan timeout) =>
        StatusAsync(client, jobId, "ended", s => s.State.IsTerminal(), timeout);

    /// <summary>Waits for the job to end and requires that it succeeded.</summary>
    public static async Task<JobStatusView> SucceededAsync(NodeClient client, string jobId, TimeSpan timeout)
    {
        var status = await EndedAsync(client, jobId, timeout);
        Assert.True(status.State == JobState.Succeeded, $"job {jobId} ended {status.State.Name()}: {status.Error}");
        return status;
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        JobStatusView s => ClusterJson.Serialize(s),
        _ => value.ToString() ?? "",
    };
}
