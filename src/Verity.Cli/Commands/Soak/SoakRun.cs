using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Verity.Cluster.Client;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Crypto;
using Verity.Stark.Air.Parameters;

namespace Verity.Cli.Commands.Soak;

/// <summary>
/// One store's soak: a `verity node` child on a fresh data dir and a fixed loopback port (so remote agents and the
/// soak find it again after a restart), <see cref="SoakSettings.RemoteAgents"/> `verity agent` children, the jobs
/// submitted in batches with a fault from the seeded <see cref="FaultPlan"/> after each batch, then a wait for every
/// job to end, and every receipt downloaded and checked. A poller follows the jobs meanwhile and restarts any child
/// that ends on its own (counted as an unexpected exit).
/// </summary>
internal sealed partial class SoakRun : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly SoakSettings _settings;
    private readonly string _store;
    private readonly string _dir;
    private readonly Action<string> _log;
    private readonly Random _random;
    private readonly string _apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly string _agentToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly int _port = ThrowawayPostgres.FreePort();
    // Node and agent (re)starts: the fault loop and the poller's crash recovery never restart at once.
    private readonly SemaphoreSlim _topology = new(1, 1);
    private readonly List<VerityChild> _agents = [];
    private readonly Dictionary<string, int> _faults = FaultKinds.All.ToDictionary(k => k.Name(), _ => 0);
    private readonly Dictionary<string, int> _unexpected = new() { ["node"] = 0, ["agent"] = 0 };
    private ThrowawayPostgres? _postgres;
    private VerityChild? _node;
    private NodeClient? _client;
    private int _agentSerial;
    private int _submitRetries;
    // Why the node is down for good (it did not restart), or null.
    private volatile string? _nodeGone;

    private static readonly Digest GuestImageId = DemoCommand.EmbeddedGuest().ImageId;

    private SoakRun(SoakSettings settings, string store, string dir, Action<string> log)
    {
        _settings = settings;
        _store = store;
        _dir = dir;
        _log = log;
        _random = new Random(HashCode.Combine(settings.Seed, store.Length));
    }

    private string DataDir => Path.Combine(_dir, "node-data");
    private string LogDir => Path.Combine(_dir, "logs");
    private Uri NodeUrl => new($"http://127.0.0.1:{_port}/");

    /// <summary>Runs the soak on <paramref name="store"/> in <paramref name="dir"/> (created) and reports.</summary>
    public static async Task<StoreReport> RunAsync(SoakSettings settings, string store, string dir, Action<string> log, CancellationToken ct)
    {
        await using var run = new SoakRun(settings, store, dir, log);
        return await run.RunAsync(ct).ConfigureAwait(false);
    }

    private async Task<StoreReport> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(DataDir);
        Directory.CreateDirectory(LogDir);
        var wall = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + _settings.Timeout;
        if (_store == "postgres")
        {
            _log("starting a throwaway PostgreSQL (initdb, pg_ctl)…");
            _postgres = await ThrowawayPostgres.StartAsync(_dir, ct).ConfigureAwait(false);
        }
        await StartNodeAsync(ct).ConfigureAwait(false);
        for (int i = 0; i < _settings.RemoteAgents; i++) StartAgent();
        _client = new NodeClient(NodeUrl, _apiKey, timeout: TimeSpan.FromSeconds(30));

        byte[] elf = DemoCommand.EmbeddedGuestBytes();
        await RetryAsync("upload the guest", () => _client.UploadImageAsync(elf, ct), deadline, ct).ConfigureAwait(false);

        var jobs = Enumerable.Range(0, _settings.Jobs).Select(i => new SoakJob(i, SeededInput(i))).ToList();
        var plan = _settings.Faults
            ? FaultPlan.Create(_settings.Seed, _store, _settings.RemoteAgents, _settings.FaultsPerStore, _settings.FaultPlan, _settings.MaxFaultGap)
            : [];
        _log($"{_store}: {jobs.Count} job(s), {plan.Count} fault(s): {string.Join(", ", plan.Select(f => f.Kind.Name() + (f.Variant.Length > 0 ? $" ({f.Variant})" : "")))}");

        var jobsWall = TimeSpan.Zero;
        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var poller = PollAsync(jobs, stopPolling.Token);
        try
        {
            // Jobs in plan.Count + 1 batches, a fault after each batch but the last: faults land while jobs run.
            int batches = plan.Count + 1, next = 0;
            for (int b = 0; b < batches && _nodeGone == null; b++)
            {
                int end = (int)((long)jobs.Count * (b + 1) / batches);
                for (; next < end && _nodeGone == null; next++) await SubmitAsync(jobs[next], deadline, ct).ConfigureAwait(false);
                if (b < plan.Count && _nodeGone == null)
                {
                    await Task.Delay(plan[b].After, ct).ConfigureAwait(false);
                    await InjectAsync(plan[b], ct).ConfigureAwait(false);
                }
            }
            _log($"{_store}: all jobs submitted and faults injected; waiting for the jobs to end (until {_settings.Timeout.TotalMinutes:0.#} min after the start)");
            while (!jobs.All(j => j.Ended) && DateTime.UtcNow < deadline && _nodeGone == null) await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            jobsWall = wall.Elapsed;
        }
        finally
        {
            await stopPolling.CancelAsync().ConfigureAwait(false);
            try { await poller.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }

        // One last look at every job (the poller may be a second behind), then the receipts.
        var parameters = StarkParameters.FromName(_settings.Parameters);
        var problems = new List<JobProblem>();
        int completed = 0, failed = 0, lost = 0, verified = 0, runs = 0, extra = 0;
        foreach (var job in jobs)
        {
            await RefreshAsync(job, ct).ConfigureAwait(false);
            var s = job.LastStatus;
            if (s != null)
            {
                runs += s.TaskRuns;
                extra += s.ExtraTaskRuns;
            }
            if (job.Unknown || s == null || !s.State.IsTerminal())
            {
                lost++;
                problems.Add(new JobProblem(job.Index, job.JobId, "lost", job.Unknown
                    ? "the node answered 404: it no longer knows the job"
                    : job.JobId == null ? "never submitted: " + _nodeGone
                    : s == null ? "never seen" : $"still {s.State.Name()} when the soak ended ({Progress(s)})" + (_nodeGone != null ? "; " + _nodeGone : "")));
                continue;
            }
            if (s.State != JobState.Succeeded)
            {
                failed++;
                problems.Add(new JobProblem(job.Index, job.JobId, s.State.Name(), s.Error ?? "(no error given)"));
                continue;
            }
            completed++;
            string? why = await CheckReceiptAsync(job, GuestImageId, parameters, deadline, ct).ConfigureAwait(false);
            if (why == null) verified++;
            else problems.Add(new JobProblem(job.Index, job.JobId, "receipt", why));
        }
        var (health, agentsLive) = await EndStateAsync(ct).ConfigureAwait(false);
        // Not part of passing (the jobs are), but a node that cannot make progress any more is what an operator must see.
        var findings = new List<string>();
        int expectedAgents = _settings.EmbeddedAgents + _settings.RemoteAgents;
        if (_nodeGone != null) findings.Add(_nodeGone);
        if (!health.StartsWith("200", StringComparison.Ordinal)) findings.Add($"/health after the run: {health}");
        if (agentsLive is { } live && live < expectedAgents)
            findings.Add($"only {live} of {expectedAgents} agent worker(s) were heard from in the last {_settings.HeartbeatTimeout.TotalSeconds:0} s after the run (an agent that died inside the node?)");
        if (agentsLive is null) findings.Add("/metrics did not answer with verity_agents_live after the run");
        foreach (var (what, n) in _unexpected.Where(u => u.Value > 0)) findings.Add($"{n} {what} process(es) exited without being killed (see the logs)");
        return new StoreReport
        {
            Store = _store,
            Jobs = jobs.Count,
            Completed = completed,
            Failed = failed,
            Lost = lost,
            ReceiptsVerified = verified,
            ReceiptCheck = _settings.Simulated ? "claim-only" : "proof",
            TaskRuns = runs,
            ExtraTaskRuns = extra,
            Faults = new Dictionary<string, int>(_faults),
            UnexpectedExits = new Dictionary<string, int>(_unexpected),
            SubmitRetries = _submitRetries,
            WallSeconds = Math.Round(jobsWall.TotalSeconds, 1),
            FinalHealth = health,
            FinalAgentsLive = agentsLive,
            ExpectedAgentsLive = expectedAgents,
            Problems = problems,
            Findings = findings,
            Logs = LogDir,
        };
    }

    private byte[] SeededInput(int index)
    {
        var r = new Random(HashCode.Combine(_settings.Seed, index, 0x50a4));
        var input = new byte[r.Next(8, 65)];
        r.NextBytes(input);
        return input;
    }

    private async Task SubmitAsync(SoakJob job, DateTime deadline, CancellationToken ct)
    {
        var client = _client!;
        var input = await RetryAsync($"upload the input of job #{job.Index}", () => client.UploadInputAsync(job.Input, ct), deadline, ct).ConfigureAwait(false);
        var request = new CreateJobRequest
        {
            ImageId = GuestImageId.ToHex(),
            InputId = input.InputId,
            SegmentPo2 = _settings.Po2,
            Parameters = _settings.Parameters,
            Simulation = _settings.Simulated ? new SimulationSpec { TaskDelayMs = _settings.SimulatedTaskMs } : null,
        };
        var created = await RetryAsync($"create job #{job.Index}", () => client.CreateJobAsync(request, ct), deadline, ct, countRetries: true).ConfigureAwait(false);
        job.JobId = created.JobId;
    }

    /// <summary>
    /// Retries while the node is down, restarting, or answering 5xx (a fault in progress), until the deadline; a 4xx is
    /// the soak's own mistake and ends the run.
    /// </summary>
    private async Task<T> RetryAsync<T>(string what, Func<Task<T>> call, DateTime deadline, CancellationToken ct, bool countRetries = false)
    {
        while (true)
        {
            try { return await call().ConfigureAwait(false); }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
            {
                if (countRetries) Interlocked.Increment(ref _submitRetries);
                _log($"{_store}: {what}: {e.Message}; retrying");
                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or HttpIOException or TimeoutException || (e is NodeClientException n && n.StatusCode >= 500);

    /// <summary>Follows every submitted job until cancelled; restarts children that ended on their own.</summary>
    private async Task PollAsync(IReadOnlyList<SoakJob> jobs, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await RecoverCrashedChildrenAsync(ct).ConfigureAwait(false);
            foreach (var job in jobs)
                if (job.JobId != null && !job.Ended) await RefreshAsync(job, ct).ConfigureAwait(false);
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    private async Task RefreshAsync(SoakJob job, CancellationToken ct)
    {
        if (job.JobId == null || job.Ended) return;
        try { job.LastStatus = await _client!.GetStatusAsync(job.JobId, ct).ConfigureAwait(false); }
        catch (NodeClientException e) when (e.StatusCode == 404)
        {
            job.Unknown = true;
            _log($"{_store}: job #{job.Index} {job.JobId}: the node no longer knows it (404)");
        }
        catch (Exception e) when (IsTransient(e)) { /* the node is down or busy: next round */ }
    }

    private async Task RecoverCrashedChildrenAsync(CancellationToken ct)
    {
        await _topology.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_nodeGone == null && _node is { ExitedOnItsOwn: true } node)
            {
                _unexpected["node"]++;
                _log($"{_store}: the node exited on its own (code {node.ExitCode}); restarting it");
                node.Dispose();
                await RestartNodeAsync(ct).ConfigureAwait(false);
            }
            for (int i = 0; i < _agents.Count; i++)
            {
                if (!_agents[i].ExitedOnItsOwn) continue;
                _unexpected["agent"]++;
                _log($"{_store}: agent {_agents[i].Name} exited on its own (code {_agents[i].ExitCode}); starting another");
                _agents[i].Dispose();
                _agents[i] = NewAgent();
            }
        }
        finally { _topology.Release(); }
    }

    private async Task InjectAsync(PlannedFault fault, CancellationToken ct)
    {
        _log($"{_store}: fault {fault.Kind.Name()}{(fault.Variant.Length > 0 ? $" ({fault.Variant})" : "")}");
        switch (fault.Kind)
        {
            case FaultKind.AgentKill:
                await _topology.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    int victim = _random.Next(_agents.Count);
                    _agents[victim].KillHard();
                    _agents[victim].Dispose();
                    _agents[victim] = NewAgent();
                }
                finally { _topology.Release(); }
                break;
            case FaultKind.NodeKill:
                await _topology.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    if (_node == null) return; // gone for good (a failed restart): nothing to kill
                    _node.KillHard();
                    _node.Dispose();
                    // Down for a moment, as a real crash and restart by a supervisor would be.
                    await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(0, 2000)), ct).ConfigureAwait(false);
                    await RestartNodeAsync(ct).ConfigureAwait(false);
                }
                finally { _topology.Release(); }
                break;
            case FaultKind.DbRestart:
                await _postgres!.RestartAsync(fault.Variant, ct).ConfigureAwait(false);
                break;
            case FaultKind.DbLock:
                await HoldWriteLockAsync(ct).ConfigureAwait(false);
                break;
        }
        _faults[fault.Kind.Name()]++;
    }

    /// <summary>Another process's write transaction on node.db (BEGIN IMMEDIATE) for <see cref="SoakSettings.LockHold"/>, as a backup or an operator's sqlite3 shell would hold it.</summary>
    private async Task HoldWriteLockAsync(CancellationToken ct)
    {
        string db = Path.Combine(DataDir, "node.db");
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using (var busy = connection.CreateCommand())
        {
            busy.CommandText = "PRAGMA busy_timeout = 60000";
            await busy.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        try { await Task.Delay(_settings.LockHold, ct).ConfigureAwait(false); }
        finally
        {
            await using var rollback = connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts the node again after a kill or a crash. A node that will not come back (a corrupt database, say) is the
    /// soak's finding, not its failure: the run stops injecting and its unfinished jobs are counted as lost.
    /// </summary>
    private async Task RestartNodeAsync(CancellationToken ct)
    {
        try { await StartNodeAsync(ct).ConfigureAwait(false); }
        catch (CliFailureException e)
        {
            _node = null;
            _nodeGone = $"the node did not come back after a restart: {e.Message}";
            _log($"{_store}: {_nodeGone}");
        }
    }

    private async Task StartNodeAsync(CancellationToken ct)
    {
        string[] args =
        [
            "node", "--data-dir", DataDir, "--db", _store,
            .. _postgres != null ? new[] { "--postgres", _postgres.ConnectionString } : [],
            "--agents", _settings.EmbeddedAgents.ToString(CultureInfo.InvariantCulture),
            "--listen", $"http://127.0.0.1:{_port}",
        ];
        // The port may still be held for a moment after a kill: a start that fails is tried again.
        for (int attempt = 1; ; attempt++)
        {
            var node = VerityChild.Start("node", args, NodeSettings(), Path.Combine(LogDir, "node.log"));
            try
            {
                await node.ListeningAsync(StartTimeout, ct).ConfigureAwait(false);
                _node = node;
                return;
            }
            catch (CliFailureException e) when (attempt < 5)
            {
                _log($"{_store}: the node did not start ({e.Message}); trying again");
                node.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct).ConfigureAwait(false);
            }
            catch
            {
                node.Dispose();
                throw;
            }
        }
    }

    /// <summary>The node's settings as configuration keys (VERITY_ variables): fixed secrets, short heartbeats, simulation when asked.</summary>
    private Dictionary<string, string> NodeSettings()
    {
        var settings = new Dictionary<string, string>
        {
            ["Node:ApiKeys:0"] = _apiKey,
            ["Node:AgentToken"] = _agentToken,
            ["Broker:AllowSimulation"] = _settings.Simulated ? "true" : "false",
            // verity_agents_live then counts the agents heard from within one heartbeat timeout: dead ones drop out.
            ["Broker:LiveAgentWindow"] = _settings.HeartbeatTimeout.ToString("c", CultureInfo.InvariantCulture),
        };
        foreach (var type in TaskTypes.All)
            settings[$"Broker:Policies:{type}:HeartbeatTimeout"] = _settings.HeartbeatTimeout.ToString("c", CultureInfo.InvariantCulture);
        return settings;
    }

    private void StartAgent() => _agents.Add(NewAgent());

    private VerityChild NewAgent()
    {
        string name = $"soak-agent-{++_agentSerial}";
        return VerityChild.Start(name, ["agent", "--node", NodeUrl.ToString(), "--token", _agentToken, "--name", name],
            new Dictionary<string, string>(), Path.Combine(LogDir, $"{name}.log"));
    }

    private async Task<string?> CheckReceiptAsync(SoakJob job, Digest imageId, StarkParameters parameters, DateTime deadline, CancellationToken ct)
    {
        byte[] receipt;
        try
        {
            // After the wait the deadline may be past: still give the download a minute of retries.
            var until = deadline > DateTime.UtcNow.AddMinutes(1) ? deadline : DateTime.UtcNow.AddMinutes(1);
            receipt = await RetryAsync($"download the receipt of job #{job.Index}", () => _client!.GetReceiptAsync(job.JobId!, ct), until, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NodeClientException or HttpRequestException or TimeoutException)
        {
            return $"could not download the receipt: {e.Message}";
        }
        if (job.LastStatus?.ReceiptBytes is { } size && size != receipt.Length)
            return $"the receipt is {receipt.Length} bytes, the job's status says {size}";
        if (job.LastStatus?.JournalHex is { } journal && journal != Convert.ToHexStringLower(job.ExpectedJournal))
            return $"the job's status shows journal {journal}, not the SHA-256 of the input";
        return job.CheckReceipt(receipt, imageId, parameters, _settings.Simulated);
    }

    /// <summary>The node's /health and verity_agents_live once the jobs ended: a node that stalled silently shows here.</summary>
    private async Task<(string Health, long? AgentsLive)> EndStateAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // Agents killed by the soak drop out of verity_agents_live one live window after they were last heard from.
        await Task.Delay(_settings.HeartbeatTimeout + TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        string health;
        try
        {
            using var r = await http.GetAsync(new Uri(NodeUrl, "health"), ct).ConfigureAwait(false);
            health = $"{(int)r.StatusCode} {(await r.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim()}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { health = $"no answer: {e.Message}"; }
        long? live = null;
        try
        {
            string metrics = await http.GetStringAsync(new Uri(NodeUrl, "metrics"), ct).ConfigureAwait(false);
            if (AgentsLiveLine().Match(metrics) is { Success: true } m) live = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
        return (health, live);
    }

    private static string Progress(JobStatusView s) =>
        string.Join(", ", s.Tasks.Select(kv => $"{kv.Key} {kv.Value.Done}/{kv.Value.Total} done, {kv.Value.Running} running, {kv.Value.Ready} ready"));

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        foreach (var agent in _agents) agent.Dispose();
        _node?.Dispose();
        if (_postgres != null) await _postgres.DisposeAsync().ConfigureAwait(false);
        _topology.Dispose();
    }

    [GeneratedRegex(@"^verity_agents_live (\d+)", RegexOptions.Multiline)]
    private static partial Regex AgentsLiveLine();
}
