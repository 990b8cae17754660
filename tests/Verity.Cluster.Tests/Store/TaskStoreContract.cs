using System.Collections.Concurrent;
using Verity.Cluster.Jobs;
using Verity.Cluster.Store;

namespace Verity.Cluster.Tests.Store;

/// <summary>
/// The semantics every <see cref="ITaskStore"/> keeps (its doc comment), as one suite that each store's test class runs.
/// Every test gets a fresh, migrated store of its own; times are passed in, starting at <see cref="T0"/>.
/// </summary>
public abstract partial class TaskStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000);
    private static readonly TaskPolicies DefaultPolicies = new();

    private string _place = "";

    /// <summary>The store under test (fresh and migrated at the start of each test).</summary>
    protected ITaskStore Store { get; private set; } = null!;

    /// <summary>A new empty database for one test (a file path, a connection string…).</summary>
    protected abstract Task<string> NewPlaceAsync();

    /// <summary>Removes what <see cref="NewPlaceAsync"/> made.</summary>
    protected abstract Task DropPlaceAsync(string place);

    protected abstract ITaskStore Open(string place, TaskPolicies policies);

    /// <summary>A store whose database cannot be reached or opened.</summary>
    protected abstract ITaskStore OpenUnreachable();

    /// <summary>How the store names itself in errors ("SQLite task store", "PostgreSQL task store").</summary>
    protected abstract string StoreKind { get; }

    /// <summary>The newest schema version the store knows.</summary>
    protected abstract int LatestSchemaVersion { get; }

    public async Task InitializeAsync()
    {
        _place = await NewPlaceAsync();
        Store = Open(_place, DefaultPolicies);
        await Store.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var s in _siblings) await s.DisposeAsync();
        await Store.DisposeAsync();
        await DropPlaceAsync(_place);
    }

    /// <summary>More stores on the same database, as other nodes would have (disposed with the test).</summary>
    protected IReadOnlyList<ITaskStore> Siblings(int count)
    {
        var stores = Enumerable.Range(0, count).Select(_ => Open(_place, DefaultPolicies)).ToList();
        _siblings.AddRange(stores);
        return stores;
    }

    private readonly List<ITaskStore> _siblings = [];

    /// <summary>Closes the store and opens it again on the same database (a node restart), optionally with other policies.</summary>
    protected async Task ReopenAsync(TaskPolicies? policies = null)
    {
        await Store.DisposeAsync();
        Store = Open(_place, policies ?? DefaultPolicies);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    protected static DateTimeOffset At(double seconds) => T0.AddMilliseconds(Math.Round(seconds * 1000));

    protected static JobSpec Spec(DateTimeOffset? deadline = null, int priority = 0, char image = 'a', char input = 'b') =>
        new() { ImageId = new string(image, 64), InputId = new string(input, 64), Deadline = deadline, Priority = priority };

    protected static NewTask Execute() => NewTask.Ready(TaskType.Execute, 0);

    protected static NewTask Prove(int index) => NewTask.Ready(TaskType.Prove, index);

    protected static NewTask FinalizeAfter(params int[] provers) =>
        new(TaskType.Finalize, 0, provers.Select(i => (TaskType.Prove, i)).ToList());

    protected static readonly TaskType[] All = [TaskType.Execute, TaskType.Prove, TaskType.Finalize];

    protected async Task<string> NewJobAsync(IReadOnlyList<NewTask> tasks, JobSpec? spec = null, DateTimeOffset? at = null)
    {
        string id = TaskIds.NewJobId();
        await Store.CreateJobAsync(id, spec ?? Spec(), tasks, at ?? T0);
        return id;
    }

    protected async Task<int> CountAsync(string jobId, TaskType type, TaskState state) =>
        (await Store.GetTaskCountsAsync(jobId)).Single(c => c.Type == type).Count(state);

    protected async Task<ClaimedTask> ClaimOneAsync(DateTimeOffset now, params TaskType[] allowed) =>
        await Store.ClaimAsync("agent", allowed.Length == 0 ? All : allowed, now)
        ?? throw new Xunit.Sdk.XunitException("expected a task to claim, got none");

    protected static string TaskId(string jobId, TaskType type, int index) => TaskIds.TaskId(jobId, type, index);

    // ---- schema --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Migrate_IsIdempotent_AndRecordsTheVersion()
    {
        await using (var fresh = Open(await NewPlaceAsync(), DefaultPolicies))
        {
            Assert.Equal(0, await fresh.SchemaVersionAsync());
            await fresh.MigrateAsync();
            Assert.Equal(LatestSchemaVersion, await fresh.SchemaVersionAsync());
        }

        Assert.Equal(LatestSchemaVersion, await Store.SchemaVersionAsync());
        string job = await NewJobAsync([Execute()]);
        await Store.MigrateAsync();
        await Store.MigrateAsync();
        Assert.Equal(LatestSchemaVersion, await Store.SchemaVersionAsync());
        Assert.NotNull(await Store.GetJobAsync(job));
    }

    [Fact]
    public async Task Migrate_FromTwoStoresAtOnce_AppliesTheSchemaOnce()
    {
        string place = await NewPlaceAsync();
        await using var a = Open(place, DefaultPolicies);
        await using var b = Open(place, DefaultPolicies);
        await Task.WhenAll(a.MigrateAsync(), b.MigrateAsync());
        Assert.Equal(LatestSchemaVersion, await a.SchemaVersionAsync());
        string id = TaskIds.NewJobId();
        await a.CreateJobAsync(id, Spec(), [Execute()], T0);
        Assert.NotNull(await b.GetJobAsync(id));
    }

    // ---- jobs ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task CreateJob_StoresTheJobAndItsTasks_AndIsIdempotent()
    {
        var spec = Spec(deadline: At(3600), priority: 7) with
        {
            SegmentPo2 = 18, Parameters = "blowup4", MaxCycles = 1 << 24, Simulation = new SimulationSpec { TaskDelayMs = 5 },
        };
        string id = TaskIds.NewJobId();
        var created = await Store.CreateJobAsync(id, spec, [Prove(0), Prove(1), FinalizeAfter(0, 1)], At(1));

        Assert.Equal(id, created.JobId);
        Assert.Equal(spec, created.Spec);
        Assert.Equal(JobState.Running, created.State);
        Assert.Equal(At(1), created.CreatedAt);
        Assert.Null(created.FinishedAt);
        Assert.Null(created.Execution);
        Assert.Null(created.Error);
        Assert.Equal(created, await Store.GetJobAsync(id));

        var counts = await Store.GetTaskCountsAsync(id);
        Assert.Equal(TaskTypes.All, counts.Select(c => c.Type));
        Assert.Equal(0, counts.Single(c => c.Type == TaskType.Execute).Total);
        Assert.Equal(2, counts.Single(c => c.Type == TaskType.Prove).Count(TaskState.Ready));
        Assert.Equal(1, counts.Single(c => c.Type == TaskType.Finalize).Count(TaskState.Pending));

        // Same id again: the first job stands, nothing is added.
        var again = await Store.CreateJobAsync(id, Spec(), [Execute()], At(99));
        Assert.Equal(created, again);
        Assert.Equal(0, await CountAsync(id, TaskType.Execute, TaskState.Ready));
    }

    [Fact]
    public async Task GetJob_UnknownIsNull_AndMalformedIdsAreRejected()
    {
        Assert.Null(await Store.GetJobAsync(TaskIds.NewJobId()));
        Assert.Empty(await Store.GetTaskCountsAsync(TaskIds.NewJobId()));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.GetJobAsync("not-a-job"));
        Assert.Contains("not-a-job", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateJobAsync("ABCDEF", Spec(), [Execute()], T0));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CancelJobAsync("", T0));
    }

    [Fact]
    public async Task CreateJob_WithBadTasks_IsRejected_AndStoresNothing()
    {
        string id = TaskIds.NewJobId();
        var missing = await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateJobAsync(id, Spec(), [Prove(0), FinalizeAfter(0, 5)], T0));
        Assert.Contains(TaskId(id, TaskType.Prove, 5), missing.Message);
        Assert.Null(await Store.GetJobAsync(id));

        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateJobAsync(id, Spec(), [Prove(0), Prove(0)], T0));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateJobAsync(id, Spec(), [Prove(-1)], T0));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.CreateJobAsync(id, Spec(), [new NewTask(TaskType.Prove, 0, [(TaskType.Prove, 0)])], T0));
        Assert.Null(await Store.GetJobAsync(id));
    }

    // ---- claim order ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Claim_TakesEarlierDeadlinesFirst_AndJobsWithoutADeadlineLast()
    {
        string none = await NewJobAsync([Execute()], Spec(priority: 100));
        string late = await NewJobAsync([Execute()], Spec(deadline: At(7200)));
        string soon = await NewJobAsync([Execute()], Spec(deadline: At(3600)));

        Assert.Equal(soon, (await ClaimOneAsync(T0)).JobId);
        Assert.Equal(late, (await ClaimOneAsync(T0)).JobId);
        Assert.Equal(none, (await ClaimOneAsync(T0)).JobId);
        Assert.Null(await Store.ClaimAsync("agent", All, T0));
    }

    [Fact]
    public async Task Claim_TakesHigherPriorityFirst_ThenOlderJobs()
    {
        string low = await NewJobAsync([Execute()], Spec(priority: 0));
        string highOld = await NewJobAsync([Execute()], Spec(priority: 5));
        string highNew = await NewJobAsync([Execute()], Spec(priority: 5));
        string negative = await NewJobAsync([Execute()], Spec(priority: -3));

        Assert.Equal(highOld, (await ClaimOneAsync(T0)).JobId);
        Assert.Equal(highNew, (await ClaimOneAsync(T0)).JobId);
        Assert.Equal(low, (await ClaimOneAsync(T0)).JobId);
        Assert.Equal(negative, (await ClaimOneAsync(T0)).JobId);
    }

    [Fact]
    public async Task Claim_TakesLaterStagesFirst_ThenOlderJobs_ThenLowerIndices()
    {
        // Stage beats age: the newer job's finalize and prove tasks go before the older job's execute.
        string older = await NewJobAsync([Execute()]);
        string newer = await NewJobAsync([Prove(2), Execute(), Prove(0), Prove(1), new NewTask(TaskType.Finalize, 0, [])]);
        string newest = await NewJobAsync([Prove(0)]);

        var order = new List<string>();
        for (int i = 0; i < 7; i++) order.Add((await ClaimOneAsync(T0)).TaskId);
        Assert.Equal(
        [
            TaskId(newer, TaskType.Finalize, 0),
            TaskId(newer, TaskType.Prove, 0), TaskId(newer, TaskType.Prove, 1), TaskId(newer, TaskType.Prove, 2),
            TaskId(newest, TaskType.Prove, 0),
            TaskId(older, TaskType.Execute, 0), TaskId(newer, TaskType.Execute, 0),
        ], order);
    }

    [Fact]
    public async Task Claim_RespectsTheAllowList()
    {
        string job = await NewJobAsync([Execute(), Prove(0)]);
        Assert.Equal(TaskType.Execute, (await ClaimOneAsync(T0, TaskType.Execute)).Type);
        Assert.Null(await Store.ClaimAsync("cpu", [TaskType.Execute], T0));
        Assert.Null(await Store.ClaimAsync("cpu", [TaskType.Finalize], T0));
        var prove = await ClaimOneAsync(T0, TaskType.Finalize, TaskType.Prove);
        Assert.Equal(TaskId(job, TaskType.Prove, 0), prove.TaskId);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.ClaimAsync("agent", [], T0));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ClaimAsync(" ", All, T0));
    }

    [Fact]
    public async Task Claim_ReturnsTheLeaseTheAttemptAndTheJobSpec()
    {
        var spec = Spec(priority: 3) with { SegmentPo2 = 16 };
        string job = await NewJobAsync([Prove(0), Prove(1)], spec);
        var a = await ClaimOneAsync(At(5));
        var b = await ClaimOneAsync(At(6));

        Assert.Equal(job, a.JobId);
        Assert.Equal(TaskType.Prove, a.Type);
        Assert.Equal(0, a.Index);
        Assert.Equal(TaskId(job, TaskType.Prove, 0), a.TaskId);
        Assert.Equal(1, a.Attempt);
        Assert.Equal(spec, a.Spec);
        Assert.Equal(0, a.Segments);
        Assert.Equal(a.TaskId, a.Lease.TaskId);
        Assert.Equal(At(5).ToUnixTimeMilliseconds(), a.Lease.StartedMs);
        Assert.NotEqual(a.Lease.LeaseId, b.Lease.LeaseId);
        Assert.Equal(2, await CountAsync(job, TaskType.Prove, TaskState.Running));
    }

    [Fact]
    public async Task Claim_SkipsTasksWaitingOutTheirRetryBackoff()
    {
        await ReopenAsync(new TaskPolicies { Prove = new TaskPolicy { RetryBackoff = TimeSpan.FromSeconds(10), MaxAttempts = 3 } });
        string job = await NewJobAsync([Prove(0)]);

        var first = await ClaimOneAsync(T0);
        Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(first.Lease, "flaky", retry: true, At(1)));
        // ready at = now + backoff × attempts = 1 s + 10 s × 1
        Assert.Null(await Store.ClaimAsync("agent", All, At(10.999)));
        var second = await ClaimOneAsync(At(11));
        Assert.Equal(2, second.Attempt);

        Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(second.Lease, "flaky", retry: true, At(12)));
        Assert.Null(await Store.ClaimAsync("agent", All, At(31.999))); // 12 s + 10 s × 2
        Assert.Equal(3, (await ClaimOneAsync(At(32))).Attempt);
        Assert.Equal(JobState.Running, (await Store.GetJobAsync(job))!.State);
    }

    [Fact]
    public async Task ConcurrentClaims_NeverHandOutATaskTwice()
    {
        var jobs = new List<string>();
        for (int j = 0; j < 8; j++) jobs.Add(await NewJobAsync(Enumerable.Range(0, 25).Select(Prove).ToList()));

        // Several claimers on each of three stores (three nodes over one database).
        ITaskStore[] stores = [Store, .. Siblings(2)];
        var claimed = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 18).Select(a => Task.Run(async () =>
        {
            var store = stores[a % stores.Length];
            while (await store.ClaimAsync($"agent-{a}", All, T0) is { } task) claimed.Add(task.TaskId);
        })));

        Assert.Equal(200, claimed.Count);
        Assert.Equal(200, claimed.Distinct().Count());
        foreach (var job in jobs) Assert.Equal(25, await CountAsync(job, TaskType.Prove, TaskState.Running));
    }

    [Fact]
    public async Task ConcurrentClaims_WithDifferentAllowLists_GetOnlyAllowedTasks()
    {
        string job = await NewJobAsync([.. Enumerable.Range(0, 20).Select(i => NewTask.Ready(TaskType.Execute, i)), .. Enumerable.Range(0, 20).Select(Prove)]);
        var claimed = new ConcurrentBag<(TaskType Allowed, ClaimedTask Task)>();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(a => Task.Run(async () =>
        {
            var allowed = a % 2 == 0 ? TaskType.Execute : TaskType.Prove;
            while (await Store.ClaimAsync($"agent-{a}", [allowed], At(1)) is { } task) claimed.Add((allowed, task));
        })));
        Assert.Equal(40, claimed.Select(c => c.Task.TaskId).Distinct().Count());
        Assert.All(claimed, c => Assert.Equal(c.Allowed, c.Task.Type));
        Assert.All(claimed, c => Assert.Equal(At(1).ToUnixTimeMilliseconds(), c.Task.Lease.StartedMs));
        Assert.Equal(20, await CountAsync(job, TaskType.Execute, TaskState.Running));
    }

    // ---- heartbeats ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Heartbeat_RenewsTheLease()
    {
        string job = await NewJobAsync([Prove(0)]);
        var task = await ClaimOneAsync(T0); // lease until 30 s

        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(task.Lease, "agent", 0.5, At(20))); // until 50 s
        Assert.Empty(await Store.ExpireLeasesAsync(At(40)));
        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(task.Lease, "agent", null, At(45))); // until 75 s
        Assert.Empty(await Store.ExpireLeasesAsync(At(74)));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Running));
        Assert.Single(await Store.ExpireLeasesAsync(At(76)));
    }

    [Fact]
    public async Task LeaseIds_AreRandom_NotASequenceAnotherAgentCouldGuess()
    {
        // A lease id is what lets an agent act for its task: consecutive claims must not reveal each other's ids.
        var ids = new List<long>();
        for (int i = 0; i < 8; i++)
        {
            await NewJobAsync([Prove(0)]);
            ids.Add((await ClaimOneAsync(T0)).Lease.LeaseId);
        }
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 1, (1L << 62) - 1));
        // Differences between consecutive ids are spread over the whole range, not small steps.
        Assert.True(ids.Zip(ids.Skip(1)).Count(p => Math.Abs(p.Second - p.First) < 1L << 32) <= 1,
            $"lease ids look sequential: {string.Join(", ", ids)}");
    }

    [Fact]
    public async Task Heartbeat_OnlyTheLeaseTheStoreRecordsIsHeld()
    {
        string job = await NewJobAsync([Prove(0)]);
        var first = await ClaimOneAsync(T0);
        Assert.Single(await Store.ExpireLeasesAsync(At(31)));
        var second = await ClaimOneAsync(At(32));
        Assert.Equal(2, second.Attempt);

        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(second.Lease, "agent", 0.1, At(33)));
        // The first lease was replaced by the second claim: its holder must stop, and cannot take the task over.
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(first.Lease, "agent", 0.6, At(34)));
        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(second.Lease, "agent", 0.2, At(35)));
        // Errors and results count only from the current lease.
        Assert.Equal(ReportOutcome.Ignored, await Store.FailAsync(first.Lease, "stopped", retry: true, At(36)));
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(first.Lease, "{}", new TaskCompletion(), At(36)));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Running));

        // Leases the store never issued for the task, earlier or later, are lost whatever start they claim.
        var later = first.Lease with { LeaseId = second.Lease.LeaseId + 1000, StartedMs = second.Lease.StartedMs + 1 };
        var earlier = first.Lease with { LeaseId = 1, StartedMs = 1 };
        var rightIdWrongStart = second.Lease with { StartedMs = 1 };
        foreach (var forged in new[] { later, earlier, rightIdWrongStart })
            Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(forged, "agent-3", null, At(37)));
        // The right lease from another agent is lost too: a lease is bound to the agent it was issued to.
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(second.Lease, "agent-3", null, At(37)));
        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(second.Lease, "agent", 0.3, At(38)));
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(second.Lease, "{}", new TaskCompletion(), At(39)));
    }

    [Fact]
    public async Task Heartbeat_AForgedEarlyLease_NeitherStealsTheTaskNorShortensItsLease()
    {
        // The issue's forgery: {"leaseId":1,"startedMs":1} used to answer "held", tell the real holder "lost" and then
        // expire (dated 1970), costing an attempt; two of them failed a job.
        string job = await NewJobAsync([Execute()]); // 2 attempts
        var real = await ClaimOneAsync(T0);
        var forged = new TaskLease(real.TaskId, 1, 1);
        for (int i = 1; i <= 2; i++)
        {
            Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(forged, "forger", 0.5, At(i)));
            Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(real.Lease, "agent", 0.1, At(i)));
            Assert.Empty(await Store.ExpireLeasesAsync(At(i + 0.5)));
        }
        Assert.Equal(JobState.Running, (await Store.GetJobAsync(job))!.State);
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(real.Lease, "{}", new TaskCompletion { CompletesJob = true }, At(3)));
    }

    [Fact]
    public async Task Heartbeat_AHandedBackLease_NeverTakesTheTaskBack()
    {
        string job = await NewJobAsync([Prove(0)]);
        var task = await ClaimOneAsync(T0);
        // The agent stops and hands the task back (a retryable error report).
        Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(task.Lease, "the agent stopped", retry: true, At(1)));
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(task.Lease, "agent", 0.5, At(2)));
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(task.Lease, "{}", new TaskCompletion(), At(2)));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Ready));
        var again = await ClaimOneAsync(At(10));
        Assert.Equal(2, again.Attempt);
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(task.Lease, "agent", 0.5, At(11)));
        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(again.Lease, "agent", 0.5, At(11)));
    }

    [Fact]
    public async Task Heartbeat_NeverRenewsPastTheMaxDurationOfTheStoredStart()
    {
        await ReopenAsync(new TaskPolicies { Prove = new TaskPolicy { MaxDuration = TimeSpan.FromMinutes(1) } });
        await NewJobAsync([Prove(0)]);
        var task = await ClaimOneAsync(T0);
        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(task.Lease, "agent", 0.5, At(50))); // until 60 s, not 80 s
        Assert.Single(await Store.ExpireLeasesAsync(At(61)));
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(task.Lease, "agent", 0.6, At(62))); // its time is up
    }

    [Fact]
    public async Task Heartbeat_TakesBackATaskRequeuedAfterExpiry_WithoutANewAttempt()
    {
        string job = await NewJobAsync([Prove(0)]);
        var task = await ClaimOneAsync(T0);
        Assert.Equal([new ExpiredLease(task.TaskId, TaskType.Prove, false)], await Store.ExpireLeasesAsync(At(31)));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Ready));

        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(task.Lease, "agent", 0.9, At(32)));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Running));
        Assert.Null(await Store.ClaimAsync("other", All, At(33)));

        // The take-back used no attempt: after the next expiry the claim is attempt 2, not 3.
        Assert.Single(await Store.ExpireLeasesAsync(At(63)));
        Assert.Equal(2, (await ClaimOneAsync(At(64))).Attempt);
    }

    [Fact]
    public async Task Heartbeat_ForAnEndedTaskOrJob_IsLost()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), Prove(2)]);
        var done = await ClaimOneAsync(T0);
        var retried = await ClaimOneAsync(T0);
        var cancelled = await ClaimOneAsync(T0);

        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(done.Lease, "{}", new TaskCompletion(), At(1)));
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(done.Lease, "agent", null, At(2)));

        // Requeued by the agent's own retryable error: its lease is gone.
        Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(retried.Lease, "oops", retry: true, At(1)));
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(retried.Lease, "agent", null, At(2)));

        Assert.True(await Store.CancelJobAsync(job, At(3)));
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(cancelled.Lease, "agent", null, At(4)));

        var unknown = new TaskLease(TaskId(TaskIds.NewJobId(), TaskType.Prove, 0), 1, T0.ToUnixTimeMilliseconds());
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(unknown, "agent", null, At(4)));
    }

    [Fact]
    public async Task Heartbeat_RejectsBadArguments()
    {
        await NewJobAsync([Prove(0)]);
        var task = await ClaimOneAsync(T0);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.HeartbeatAsync(task.Lease, "agent", 1.5, At(1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.HeartbeatAsync(task.Lease, "agent", double.NaN, At(1)));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.HeartbeatAsync(task.Lease with { TaskId = "bogus" }, "agent", null, At(1)));
        Assert.Contains("bogus", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.HeartbeatAsync(task.Lease, "", null, At(1)));
        // Text with NUL characters is refused up front (PostgreSQL cannot store it), and the task is untouched.
        var nul = await Assert.ThrowsAsync<ArgumentException>(() => Store.CompleteAsync(task.Lease, "{\0}", new TaskCompletion(), At(1)));
        Assert.Contains("NUL", nul.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.FailAsync(task.Lease, "bad\0", retry: false, At(1)));
        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(task.Lease, "agent", 0.5, At(2)));
    }

    // ---- completion ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Complete_ReleasesADependentWhenAllItsPrerequisitesAreDone()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), Prove(2), FinalizeAfter(0, 1, 2)]);
        var provers = new[] { await ClaimOneAsync(T0), await ClaimOneAsync(T0), await ClaimOneAsync(T0) };

        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(provers[2].Lease, """{"proofBytes":1}""", new TaskCompletion(), At(1)));
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(provers[0].Lease, "{}", new TaskCompletion(), At(2)));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Pending));
        Assert.Null(await Store.ClaimAsync("agent", All, At(3)));

        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(provers[1].Lease, "{}", new TaskCompletion(), At(4)));
        Assert.Equal(3, await CountAsync(job, TaskType.Prove, TaskState.Done));
        var finalize = await ClaimOneAsync(At(5));
        Assert.Equal(TaskId(job, TaskType.Finalize, 0), finalize.TaskId);
    }

    [Fact]
    public async Task Complete_OnlyFromTheRecordedLease_FirstResultWins()
    {
        string job = await NewJobAsync([Prove(0)]);
        var first = await ClaimOneAsync(T0);
        Assert.Single(await Store.ExpireLeasesAsync(At(31)));
        // Requeued, nobody else holds it: the expired lease is still the recorded one and its result is taken.
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(first.Lease, "{}", new TaskCompletion(), At(32)));
        Assert.Equal(ReportOutcome.Duplicate, await Store.CompleteAsync(first.Lease, "{}", new TaskCompletion(), At(33)));

        string other = await NewJobAsync([Prove(0)]);
        var a = await ClaimOneAsync(T0);
        Assert.Single(await Store.ExpireLeasesAsync(At(31)));
        var b = await ClaimOneAsync(At(32));
        // Running under the second lease: the first lease's result is ignored, the second's accepted.
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(a.Lease, "{}", new TaskCompletion(), At(33)));
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(b.Lease, "{}", new TaskCompletion(), At(34)));
        Assert.Equal(ReportOutcome.Duplicate, await Store.CompleteAsync(a.Lease, "{}", new TaskCompletion(), At(34)));
        Assert.Equal(ReportOutcome.Ignored, await Store.FailAsync(b.Lease, "late error", retry: false, At(35)));
        Assert.Equal(1, await CountAsync(other, TaskType.Prove, TaskState.Done));
        Assert.Equal(JobState.Running, (await Store.GetJobAsync(job))!.State);
    }

    [Fact]
    public async Task Complete_WithAMadeUpLease_IsIgnored()
    {
        // The issue's forgery: a made-up lease id completed tasks never claimed, and succeeded their job.
        string job = await NewJobAsync([Execute(), Prove(0)]);
        string execute = TaskId(job, TaskType.Execute, 0);
        var madeUp = new TaskLease(execute, 12345, T0.ToUnixTimeMilliseconds());
        var succeed = new TaskCompletion { CompletesJob = true, Execution = new ExecutionSummary { Cycles = 1, Segments = 1 } };
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(madeUp, "{}", succeed, At(1)));
        Assert.Equal(ReportOutcome.Ignored, await Store.FailAsync(madeUp, "forged", retry: false, At(1)));

        var claimed = await ClaimOneAsync(At(2), TaskType.Prove);
        // The right task and id with another start, or another task's lease, are not the lease either.
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(claimed.Lease with { StartedMs = 1 }, "{}", new TaskCompletion(), At(3)));
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(claimed.Lease with { TaskId = execute }, "{}", succeed, At(3)));
        Assert.Equal(ReportOutcome.Ignored, await Store.FailAsync(claimed.Lease with { StartedMs = 1 }, "forged", retry: false, At(3)));

        var record = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Running, record.State);
        Assert.Null(record.Execution);
        Assert.Equal(1, await CountAsync(job, TaskType.Execute, TaskState.Ready));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Running));
    }

    [Fact]
    public async Task Complete_ForACancelledJobOrAnUnknownTask_IsIgnored()
    {
        string job = await NewJobAsync([Prove(0)]);
        var task = await ClaimOneAsync(T0);
        Assert.True(await Store.CancelJobAsync(job, At(1)));
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(task.Lease, "{}", new TaskCompletion(), At(2)));
        Assert.Equal(ReportOutcome.Ignored,
            await Store.CompleteAsync(task.Lease, "{}", new TaskCompletion { CompletesJob = true, ReceiptBytes = 1 }, At(2)));
        Assert.Equal(JobState.Cancelled, (await Store.GetJobAsync(job))!.State);
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Cancelled));

        var unknown = new TaskLease(TaskId(TaskIds.NewJobId(), TaskType.Prove, 0), 1, T0.ToUnixTimeMilliseconds());
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(unknown, "{}", new TaskCompletion(), At(2)));
    }

    [Fact]
    public async Task Complete_OfExecute_StoresTheRun_AndInsertsProveAndFinalizeTasksOnce()
    {
        string job = await NewJobAsync([Execute()]);
        var execute = await ClaimOneAsync(T0);
        var run = new ExecutionSummary { Cycles = 123_456, Segments = 2, ExitCode = 0, JournalHex = "c0ffee", InputConsumed = 64 };
        // index == segments proves the memory table: prove 0..2, then finalize after all three.
        var plan = new TaskCompletion { Execution = run, NewTasks = [Prove(0), Prove(1), Prove(2), FinalizeAfter(0, 1, 2)] };

        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(execute.Lease, """{"cycles":123456}""", plan, At(1)));
        Assert.Equal(run, (await Store.GetJobAsync(job))!.Execution);
        Assert.Equal(3, await CountAsync(job, TaskType.Prove, TaskState.Ready));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Pending));

        // A repeated report changes nothing.
        Assert.Equal(ReportOutcome.Duplicate, await Store.CompleteAsync(execute.Lease, "{}", plan, At(2)));
        Assert.Equal(3, (await Store.GetTaskCountsAsync(job)).Single(c => c.Type == TaskType.Prove).Total);

        var prove0 = await ClaimOneAsync(At(3));
        Assert.Equal(2, prove0.Segments);
        // A completion that plans the same tasks again (deterministic ids) inserts nothing new.
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(prove0.Lease, "{}", plan with { Execution = null }, At(4)));
        Assert.Equal(3, (await Store.GetTaskCountsAsync(job)).Single(c => c.Type == TaskType.Prove).Total);
        Assert.Equal(1, (await Store.GetTaskCountsAsync(job)).Single(c => c.Type == TaskType.Finalize).Total);
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Done));

        foreach (var _ in new[] { 1, 2 })
        {
            var prove = await ClaimOneAsync(At(5), TaskType.Prove);
            Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Pending));
            Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(prove.Lease, "{}", new TaskCompletion(), At(6)));
        }
        var finalize = await ClaimOneAsync(At(7));
        Assert.Equal(TaskType.Finalize, finalize.Type);
        Assert.Equal(ReportOutcome.Accepted,
            await Store.CompleteAsync(finalize.Lease, "{}", new TaskCompletion { CompletesJob = true, ReceiptBytes = 204_702 }, At(8)));

        var done = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(At(8), done.FinishedAt);
        Assert.Equal(204_702, done.ReceiptBytes);
        Assert.Null(done.Error);
        Assert.Equal(ReportOutcome.Duplicate, await Store.CompleteAsync(finalize.Lease, "{}", new TaskCompletion(), At(9)));
    }

    [Fact]
    public async Task Complete_NewTasksWaitOnlyOnPrerequisitesNotYetDone()
    {
        string job = await NewJobAsync([Prove(0), Prove(1)]);
        var p0 = await ClaimOneAsync(T0);
        var p1 = await ClaimOneAsync(T0);
        // finalize waits on prove 0 (the task being completed: done) and prove 1 (running).
        Assert.Equal(ReportOutcome.Accepted,
            await Store.CompleteAsync(p0.Lease, "{}", new TaskCompletion { NewTasks = [FinalizeAfter(0, 1)] }, At(1)));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Pending));
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(p1.Lease, "{}", new TaskCompletion(), At(2)));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Ready));

        // Added after all its prerequisites are done: Ready at once.
        string other = await NewJobAsync([Prove(0), Prove(1)]);
        var q0 = await ClaimOneAsync(T0, TaskType.Prove);
        var q1 = await ClaimOneAsync(T0, TaskType.Prove);
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(q0.Lease, "{}", new TaskCompletion(), At(1)));
        Assert.Equal(ReportOutcome.Accepted,
            await Store.CompleteAsync(q1.Lease, "{}", new TaskCompletion { NewTasks = [FinalizeAfter(0, 1)] }, At(2)));
        Assert.Equal(1, await CountAsync(other, TaskType.Finalize, TaskState.Ready));
    }

    [Fact]
    public async Task Complete_ExecuteOnly_SucceedsTheJob()
    {
        string job = await NewJobAsync([Execute()], Spec() with { ExecuteOnly = true });
        var task = await ClaimOneAsync(T0);
        var run = new ExecutionSummary { Cycles = 10, Segments = 1, JournalHex = "00" };
        Assert.Equal(ReportOutcome.Accepted,
            await Store.CompleteAsync(task.Lease, "{}", new TaskCompletion { Execution = run, CompletesJob = true }, At(2)));
        var record = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Succeeded, record.State);
        Assert.Equal(run, record.Execution);
        Assert.Null(record.ReceiptBytes);
        Assert.Equal(At(2), record.FinishedAt);
    }

    [Fact]
    public async Task Complete_WithAMissingPrerequisite_IsRejected_AndChangesNothing()
    {
        string job = await NewJobAsync([Execute()]);
        var task = await ClaimOneAsync(T0);
        var bad = new TaskCompletion
        {
            Execution = new ExecutionSummary { Segments = 1 },
            NewTasks = [Prove(0), FinalizeAfter(0, 7)],
        };
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.CompleteAsync(task.Lease, "{}", bad, At(1)));
        Assert.Contains(TaskId(job, TaskType.Prove, 7), e.Message);

        Assert.Equal(1, await CountAsync(job, TaskType.Execute, TaskState.Running));
        Assert.Equal(0, (await Store.GetTaskCountsAsync(job)).Single(c => c.Type == TaskType.Prove).Total);
        Assert.Null((await Store.GetJobAsync(job))!.Execution);
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(task.Lease, "{}", bad with { NewTasks = [Prove(0)] }, At(2)));
    }

    [Fact]
    public async Task ConcurrentCompletions_ReleaseTheDependentExactlyOnce()
    {
        const int provers = 40;
        string job = await NewJobAsync([.. Enumerable.Range(0, provers).Select(Prove), FinalizeAfter([.. Enumerable.Range(0, provers)])]);
        ITaskStore[] stores = [Store, .. Siblings(2)];
        await Task.WhenAll(Enumerable.Range(0, 12).Select(a => Task.Run(async () =>
        {
            var store = stores[a % stores.Length];
            while (await store.ClaimAsync($"agent-{a}", [TaskType.Prove], T0) is { } task)
                Assert.Equal(ReportOutcome.Accepted, await store.CompleteAsync(task.Lease, "{}", new TaskCompletion(), At(1)));
        })));
        Assert.Equal(provers, await CountAsync(job, TaskType.Prove, TaskState.Done));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Ready));
        Assert.Equal(TaskType.Finalize, (await ClaimOneAsync(At(2))).Type);
    }

    [Fact]
    public async Task ConcurrentReportsOfOneTask_AcceptExactlyOne()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), FinalizeAfter(0, 1)]);
        var task = await ClaimOneAsync(T0);
        ITaskStore[] stores = [Store, .. Siblings(1)];
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => stores[i % 2].CompleteAsync(task.Lease, $"{{\"proofBytes\":{i}}}", new TaskCompletion(), At(1)))));
        Assert.Equal(1, outcomes.Count(o => o == ReportOutcome.Accepted));
        Assert.Equal(7, outcomes.Count(o => o == ReportOutcome.Duplicate));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Done));
        // The finalize task counted prove 0 once: it still waits for prove 1.
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Pending));
    }

    // ---- errors and retries --------------------------------------------------------------------------------------

    [Fact]
    public async Task Fail_WithoutRetry_FailsTheJob_AndCancelsItsUnfinishedTasks()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), Prove(2), FinalizeAfter(0, 1, 2)]);
        var p0 = await ClaimOneAsync(T0);
        var p1 = await ClaimOneAsync(T0);
        var p2 = await ClaimOneAsync(T0);
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(p0.Lease, "{}", new TaskCompletion(), At(1)));

        Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(p1.Lease, "constraint 3 does not hold", retry: false, At(2)));
        var record = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal("prove task 1 failed after 1 attempt(s): constraint 3 does not hold", record.Error);
        Assert.Equal(At(2), record.FinishedAt);

        var prove = (await Store.GetTaskCountsAsync(job)).Single(c => c.Type == TaskType.Prove);
        Assert.Equal((1, 1, 1), (prove.Count(TaskState.Done), prove.Count(TaskState.Failed), prove.Count(TaskState.Cancelled)));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Cancelled));
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(p2.Lease, "agent", null, At(3)));
        Assert.Equal(ReportOutcome.Ignored, await Store.CompleteAsync(p2.Lease, "{}", new TaskCompletion(), At(3)));
        Assert.Equal(ReportOutcome.Ignored, await Store.FailAsync(p2.Lease, "again", retry: false, At(3)));
        Assert.Equal("prove task 1 failed after 1 attempt(s): constraint 3 does not hold", (await Store.GetJobAsync(job))!.Error);
    }

    [Fact]
    public async Task Fail_WithRetry_IsBoundedByMaxAttempts_AndFailsTheJobWithTheLastError()
    {
        string job = await NewJobAsync([Prove(0), Prove(1)]);
        double t = 0;
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            var task = await ClaimOneAsync(At(t += 10), TaskType.Prove); // prove 0: the lower index, once its backoff is over
            Assert.Equal((0, attempt), (task.Index, task.Attempt));
            Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(task.Lease, $"out of memory ({attempt})", retry: true, At(t)));
            Assert.Equal(attempt < 3 ? JobState.Running : JobState.Failed, (await Store.GetJobAsync(job))!.State);
        }
        Assert.Equal("prove task 0 failed after 3 attempt(s): out of memory (3)", (await Store.GetJobAsync(job))!.Error);
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Failed));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Cancelled));
    }

    [Fact]
    public async Task TaskCounts_SumEachTypesRuns_AndTheRunsBeyondEachTasksFirst()
    {
        string job = await NewJobAsync([Prove(0), Prove(1)]);
        var first = await ClaimOneAsync(T0, TaskType.Prove); // prove 0, attempt 1
        Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(first.Lease, "out of memory", retry: true, T0));
        var again = await ClaimOneAsync(At(10), TaskType.Prove);
        Assert.Equal((0, 2), (again.Index, again.Attempt));
        var other = await ClaimOneAsync(At(10), TaskType.Prove);
        Assert.Equal((1, 1), (other.Index, other.Attempt));
        var counts = await Store.GetTaskCountsAsync(job);
        var prove = counts.Single(c => c.Type == TaskType.Prove);
        Assert.Equal((3, 1), (prove.Runs, prove.Reruns));
        Assert.All(counts.Where(c => c.Type != TaskType.Prove), c => Assert.Equal((0, 0), (c.Runs, c.Reruns)));
    }

    [Fact]
    public async Task Fail_FromAStaleLeaseOrForATaskNotRunning_IsIgnored()
    {
        string job = await NewJobAsync([Prove(0)]);
        var first = await ClaimOneAsync(T0);
        Assert.Single(await Store.ExpireLeasesAsync(At(31)));
        Assert.Equal(ReportOutcome.Ignored, await Store.FailAsync(first.Lease, "late", retry: false, At(32))); // Ready now
        var second = await ClaimOneAsync(At(33));
        Assert.Equal(ReportOutcome.Ignored, await Store.FailAsync(first.Lease, "late", retry: false, At(34)));
        Assert.Equal(JobState.Running, (await Store.GetJobAsync(job))!.State);
        Assert.Equal(ReportOutcome.Accepted, await Store.FailAsync(second.Lease, "bad", retry: false, At(35)));
        Assert.Equal("prove task 0 failed after 2 attempt(s): bad", (await Store.GetJobAsync(job))!.Error);
    }

    [Fact]
    public async Task ExpiredLeases_CountAsAttempts_AndFailTheJobWhenOutOfAttempts()
    {
        string job = await NewJobAsync([Execute()]); // execute: 2 attempts, 30 s heartbeat timeout
        var first = await ClaimOneAsync(T0);
        Assert.Empty(await Store.ExpireLeasesAsync(At(30))); // expires at 30 s: not before
        Assert.Equal([new ExpiredLease(first.TaskId, TaskType.Execute, false)], await Store.ExpireLeasesAsync(At(30.001)));
        Assert.Equal(JobState.Running, (await Store.GetJobAsync(job))!.State);

        var second = await ClaimOneAsync(At(40));
        Assert.Equal(2, second.Attempt);
        Assert.Equal([new ExpiredLease(second.TaskId, TaskType.Execute, true)], await Store.ExpireLeasesAsync(At(71)));
        var record = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal("execute task 0 failed after 2 attempt(s): timed out (no heartbeat within 30s)", record.Error);
        Assert.Equal(At(71), record.FinishedAt);
        Assert.Equal(1, await CountAsync(job, TaskType.Execute, TaskState.Failed));
        Assert.Empty(await Store.ExpireLeasesAsync(At(500)));
    }

    [Fact]
    public async Task ExpiredLeases_EndAttemptsThatRunPastTheMaxDuration()
    {
        await ReopenAsync(new TaskPolicies { Prove = new TaskPolicy { MaxDuration = TimeSpan.FromMinutes(1), MaxAttempts = 1 } });
        string job = await NewJobAsync([Prove(0), Prove(1)]);
        var task = await ClaimOneAsync(T0);
        var other = await ClaimOneAsync(T0);
        for (int s = 20; s <= 50; s += 15)
        {
            Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(task.Lease, "agent", s / 100.0, At(s)));
            Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(other.Lease, "agent", s / 100.0, At(s)));
        }
        Assert.Empty(await Store.ExpireLeasesAsync(At(59)));
        var expired = await Store.ExpireLeasesAsync(At(61));
        // The first one fails the job; that cancels the other, which is then not reported again.
        Assert.Single(expired);
        Assert.True(expired[0].JobFailed);
        Assert.Equal("prove task 0 failed after 1 attempt(s): timed out (no result within the 1m limit)", (await Store.GetJobAsync(job))!.Error);
    }

    // ---- cancel and lifecycle queries ----------------------------------------------------------------------------

    [Fact]
    public async Task Cancel_EndsTheJobAndEveryUnfinishedTask()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), Prove(2), FinalizeAfter(0, 1, 2)]);
        var done = await ClaimOneAsync(T0);
        await Store.CompleteAsync(done.Lease, "{}", new TaskCompletion(), At(1));
        await ClaimOneAsync(At(2)); // one Running, one Ready, one Pending

        Assert.True(await Store.CancelJobAsync(job, At(3), "deadline passed"));
        var record = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Cancelled, record.State);
        Assert.Equal("deadline passed", record.Error);
        Assert.Equal(At(3), record.FinishedAt);
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Done));
        Assert.Equal(2, await CountAsync(job, TaskType.Prove, TaskState.Cancelled));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Cancelled));
        Assert.Null(await Store.ClaimAsync("agent", All, At(4)));

        Assert.False(await Store.CancelJobAsync(job, At(5)));
        Assert.False(await Store.CancelJobAsync(TaskIds.NewJobId(), At(5)));
        string byClient = await NewJobAsync([Execute()]);
        Assert.True(await Store.CancelJobAsync(byClient, At(6)));
        Assert.Null((await Store.GetJobAsync(byClient))!.Error);
    }

    [Fact]
    public async Task ExpiredRunningJobs_AreThosePastTheirDeadlineOrTooOld()
    {
        string old = await NewJobAsync([Execute()], Spec(), At(0));
        string due = await NewJobAsync([Execute()], Spec(deadline: At(600)), At(60));
        await NewJobAsync([Execute()], Spec(deadline: At(3600)), At(120)); // neither
        string ended = await NewJobAsync([Execute()], Spec(deadline: At(1)), At(0));
        await Store.CancelJobAsync(ended, At(2));

        var found = await Store.ExpiredRunningJobsAsync(deadlineBefore: At(1800), createdBefore: At(30), limit: 10);
        Assert.Equal([old, due], found.Select(j => j.JobId));
        Assert.Equal([old], (await Store.ExpiredRunningJobsAsync(At(1800), At(30), limit: 1)).Select(j => j.JobId));
        Assert.Empty(await Store.ExpiredRunningJobsAsync(At(600), At(0), limit: 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ExpiredRunningJobsAsync(At(0), At(0), limit: 0));
    }

    [Fact]
    public async Task JobsToReap_FollowTheJobLifecycle()
    {
        async Task<string> Succeeded(double finishedAt)
        {
            string id = await NewJobAsync([Execute()], Spec() with { ExecuteOnly = true });
            var task = await ClaimOneAsync(T0, TaskType.Execute);
            Assert.Equal(id, task.JobId);
            await Store.CompleteAsync(task.Lease, "{}", new TaskCompletion { CompletesJob = true, ReceiptBytes = 10 }, At(finishedAt));
            return id;
        }

        string running = await NewJobAsync([Prove(0)]);
        string failed = await NewJobAsync([Execute()]);
        var f = await ClaimOneAsync(T0, TaskType.Execute);
        await Store.FailAsync(f.Lease, "bad elf", retry: false, At(10));
        string cancelled = await NewJobAsync([Execute()]);
        await Store.CancelJobAsync(cancelled, At(20));
        string fetched = await Succeeded(30);
        await Store.MarkReceiptFetchedAsync(fetched, At(100));
        await Store.MarkReceiptFetchedAsync(fetched, At(900)); // the first download counts
        string unfetched = await Succeeded(40);

        Assert.Equal(At(100), (await Store.GetJobAsync(fetched))!.ReceiptFetchedAt);
        Assert.Equal([failed, cancelled], (await Store.JobsToReapAsync(At(100), At(0), 10)).Select(j => j.JobId));
        Assert.Equal([failed, cancelled, fetched], (await Store.JobsToReapAsync(At(101), At(0), 10)).Select(j => j.JobId));
        Assert.Equal([failed, cancelled, fetched, unfetched], (await Store.JobsToReapAsync(At(101), At(41), 10)).Select(j => j.JobId));
        Assert.Equal([failed], (await Store.JobsToReapAsync(At(101), At(41), 1)).Select(j => j.JobId));

        await Store.MarkBlobsDeletedAsync(failed, At(200));
        await Store.MarkBlobsDeletedAsync(fetched, At(200));
        Assert.Equal(At(200), (await Store.GetJobAsync(failed))!.BlobsDeletedAt);
        var left = (await Store.JobsToReapAsync(At(1000), At(1000), 10)).Select(j => j.JobId).ToList();
        Assert.Equal([cancelled, unfetched], left);
        Assert.DoesNotContain(running, left);
    }

    [Fact]
    public async Task ImagesAndInputs_AreInUseUntilTheirJobsBlobsAreDeleted()
    {
        string image = new('1', 64), input = new('2', 64), other = new('3', 64);
        Assert.False(await Store.IsImageInUseAsync(image));
        string first = await NewJobAsync([Execute()], Spec(image: '1', input: '2'));
        Assert.True(await Store.IsImageInUseAsync(image));
        Assert.True(await Store.IsInputInUseAsync(input));
        Assert.False(await Store.IsImageInUseAsync(other));
        Assert.False(await Store.IsInputInUseAsync(image));

        await Store.CancelJobAsync(first, At(1));
        Assert.True(await Store.IsImageInUseAsync(image)); // ended, blobs not yet deleted
        await Store.MarkBlobsDeletedAsync(first, At(2));
        Assert.False(await Store.IsImageInUseAsync(image));
        Assert.False(await Store.IsInputInUseAsync(input));

        await NewJobAsync([Execute()], Spec(image: '1', input: '3'));
        Assert.True(await Store.IsImageInUseAsync(image));
        Assert.False(await Store.IsInputInUseAsync(input));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.IsImageInUseAsync(""));
    }

    [Fact]
    public async Task Stats_CountJobsAndTasksByState()
    {
        string a = await NewJobAsync([Prove(0), Prove(1), FinalizeAfter(0, 1)]);
        string b = await NewJobAsync([Execute()]);
        await NewJobAsync([Execute()]);
        var task = await ClaimOneAsync(T0, TaskType.Prove);
        await Store.CompleteAsync(task.Lease, "{}", new TaskCompletion(), At(1));
        await Store.CancelJobAsync(b, At(2));

        var stats = await Store.StatsAsync();
        Assert.Equal(2, stats.JobsByState[JobState.Running]);
        Assert.Equal(1, stats.JobsByState[JobState.Cancelled]);
        Assert.Equal(0, stats.JobsByState[JobState.Succeeded]);
        Assert.Equal(1, stats.TasksByState[(TaskType.Prove, TaskState.Done)]);
        Assert.Equal(1, stats.TasksByState[(TaskType.Prove, TaskState.Ready)]);
        Assert.Equal(1, stats.TasksByState[(TaskType.Finalize, TaskState.Pending)]);
        Assert.Equal(1, stats.TasksByState[(TaskType.Execute, TaskState.Ready)]);
        Assert.Equal(1, stats.TasksByState[(TaskType.Execute, TaskState.Cancelled)]);
        Assert.Equal(0, stats.TasksByState[(TaskType.Execute, TaskState.Failed)]);
        Assert.Equal(18, stats.TasksByState.Count);
        Assert.Equal(JobState.Running, (await Store.GetJobAsync(a))!.State);
    }

    // ---- durability and failures ---------------------------------------------------------------------------------

    [Fact]
    public async Task Data_SurvivesClosingAndReopeningTheStore()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), FinalizeAfter(0, 1)], Spec(priority: 4));
        var p0 = await ClaimOneAsync(T0);
        var p1 = await ClaimOneAsync(T0);
        await Store.CompleteAsync(p0.Lease, "{}", new TaskCompletion(), At(1));
        var before = await Store.GetJobAsync(job);

        await ReopenAsync();
        await Store.MigrateAsync();
        Assert.Equal(LatestSchemaVersion, await Store.SchemaVersionAsync());
        Assert.Equal(before, await Store.GetJobAsync(job));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Done));
        Assert.Equal(LeaseStatus.Held, await Store.HeartbeatAsync(p1.Lease, "agent", 0.5, At(2)));
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(p1.Lease, "{}", new TaskCompletion(), At(3)));
        var finalize = await ClaimOneAsync(At(4));
        Assert.Equal(TaskType.Finalize, finalize.Type);
        Assert.DoesNotContain(finalize.Lease.LeaseId, new[] { p0.Lease.LeaseId, p1.Lease.LeaseId }); // a fresh lease id
    }

    [Fact]
    public async Task UnreachableDatabase_GivesAnErrorNamingTheStoreAndTheOperation()
    {
        await using var store = OpenUnreachable();
        var migrate = await Assert.ThrowsAsync<TaskStoreException>(() => store.MigrateAsync());
        Assert.Contains(StoreKind, migrate.Message);
        Assert.Contains("migrate failed", migrate.Message);
        var claim = await Assert.ThrowsAsync<TaskStoreException>(() => store.ClaimAsync("agent", All, T0));
        Assert.Contains("claim failed", claim.Message);
        Assert.NotNull(claim.InnerException);
    }

    [Fact]
    public async Task DisposedStore_RefusesWork()
    {
        await using var store = Open(await NewPlaceAsync(), DefaultPolicies);
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ClaimAsync("agent", All, T0));
        await store.DisposeAsync(); // twice is fine
    }

    [Fact]
    public async Task ClaimBenchmark_CompletesEveryTaskOnce()
    {
        var result = await ClaimBenchmark.RunAsync(Store, agents: 8, jobs: 4, tasksPerJob: 16);
        Assert.Equal(64, result.Tasks);
        Assert.True(result.ClaimsPerSecond > 0);
        Assert.True(result.MeanLatencyMs > 0);
        var stats = await Store.StatsAsync();
        Assert.Equal(64, stats.TasksByState[(TaskType.Prove, TaskState.Done)]);
        Assert.Equal(4, stats.JobsByState[JobState.Cancelled]); // cleaned up
    }

    // ---- node restarts -------------------------------------------------------------------------------------------

    [Fact]
    public async Task RequeueTasksOfAgents_RequeuesAtOnce_WithoutUsingAnAttempt()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), Prove(2)]);
        var a0 = await Store.ClaimAsync("node-a/embedded/0", All, T0);
        var a1 = await Store.ClaimAsync("node-a/embedded/1", All, T0);
        var b0 = await Store.ClaimAsync("node-ab/embedded/0", All, T0); // another node whose name shares a prefix
        Assert.NotNull(a0);
        Assert.NotNull(a1);
        Assert.NotNull(b0);

        var requeued = await Store.RequeueTasksOfAgentsAsync("node-a/embedded/", At(1));
        Assert.Equal([a0!.TaskId, a1!.TaskId], requeued.Select(r => r.TaskId).Order().ToArray());
        Assert.All(requeued, r => Assert.False(r.JobFailed));
        Assert.Equal(2, await CountAsync(job, TaskType.Prove, TaskState.Ready));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Running));
        // The dead agents' leases are gone; the tasks' attempts were given back.
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(a0.Lease, "node-a/embedded/0", null, At(2)));
        var again = await ClaimOneAsync(At(2));
        Assert.Equal(1, again.Attempt);
        Assert.Empty(await Store.RequeueTasksOfAgentsAsync("node-c/embedded/", At(3)));
    }

    [Fact]
    public async Task RequeueTasksOfAgents_FailsATaskTheNodeStoppedOnTooOften()
    {
        string job = await NewJobAsync([Execute()]); // MaxInterruptions 3 by default
        for (int stop = 1; stop <= 3; stop++)
        {
            var task = await Store.ClaimAsync("node/embedded/0", All, At(stop));
            Assert.Equal(1, task!.Attempt);
            var r = Assert.Single(await Store.RequeueTasksOfAgentsAsync("node/embedded/", At(stop + 0.5)));
            Assert.Equal(stop == 3, r.JobFailed);
        }
        var record = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal("execute task 0 failed: the node stopped 3 time(s) while running this task", record.Error);
        Assert.Equal(1, await CountAsync(job, TaskType.Execute, TaskState.Failed));
    }

    // ---- redo of done prerequisites --------------------------------------------------------------------------------

    [Fact]
    public async Task Redo_RunsTheProofAgain_AndTheFinalizeWaitsForIt_WithoutUsingAnAttempt()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), FinalizeAfter(0, 1)]);
        foreach (var p in new[] { await ClaimOneAsync(T0), await ClaimOneAsync(T0) })
            Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(p.Lease, "{}", new TaskCompletion(), At(1)));
        var finalize = await ClaimOneAsync(At(2));
        Assert.Equal(TaskType.Finalize, finalize.Type);

        Assert.Equal(ReportOutcome.Accepted,
            await Store.RedoAsync(finalize.Lease, [new TaskRef(TaskType.Prove, 1)], "the proof of segment 1 is corrupted", At(3)));
        Assert.Equal(JobState.Running, (await Store.GetJobAsync(job))!.State);
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Ready));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Pending));
        Assert.Equal(LeaseStatus.Lost, await Store.HeartbeatAsync(finalize.Lease, "agent", null, At(3)));

        var prove = await ClaimOneAsync(At(4));
        Assert.Equal((TaskType.Prove, 1, 1), (prove.Type, prove.Index, prove.Attempt));
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(prove.Lease, "{}", new TaskCompletion(), At(5)));
        var again = await ClaimOneAsync(At(6));
        Assert.Equal((TaskType.Finalize, 1), (again.Type, again.Attempt));
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(again.Lease, "{}", new TaskCompletion { CompletesJob = true }, At(7)));
        Assert.Equal(JobState.Succeeded, (await Store.GetJobAsync(job))!.State);
    }

    [Fact]
    public async Task Redo_IsBoundedPerTask_ThenFailsTheJobNamingIt()
    {
        string job = await NewJobAsync([Prove(0), FinalizeAfter(0)]); // MaxRepairs 2 by default
        double t = 0;
        for (int round = 0; round <= 2; round++)
        {
            var prove = await ClaimOneAsync(At(t += 1));
            Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(prove.Lease, "{}", new TaskCompletion(), At(t)));
            var finalize = await ClaimOneAsync(At(t += 1));
            Assert.Equal(ReportOutcome.Accepted, await Store.RedoAsync(finalize.Lease, [new TaskRef(TaskType.Prove, 0)], $"bad proof ({round})", At(t)));
        }
        var record = (await Store.GetJobAsync(job))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal("prove task 0 was run again 2 time(s) and its output is still unusable: bad proof (2)", record.Error);
    }

    [Fact]
    public async Task Redo_OnlyFromTheCurrentLease_AndOnlyOfPrerequisites()
    {
        string job = await NewJobAsync([Prove(0), Prove(1), FinalizeAfter(0)]);
        var p0 = await ClaimOneAsync(T0);
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(p0.Lease, "{}", new TaskCompletion(), At(1)));
        var finalize = await ClaimOneAsync(At(2), TaskType.Finalize);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.RedoAsync(finalize.Lease, [new TaskRef(TaskType.Prove, 1)], "x", At(3)));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RedoAsync(finalize.Lease, [], "x", At(3)));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RedoAsync(finalize.Lease, [new TaskRef(TaskType.Finalize, 0)], "x", At(3)));
        Assert.Equal(ReportOutcome.Ignored,
            await Store.RedoAsync(finalize.Lease with { LeaseId = 999 }, [new TaskRef(TaskType.Prove, 0)], "forged", At(3)));
        Assert.Equal(1, await CountAsync(job, TaskType.Prove, TaskState.Done));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Running));
    }

    // ---- blob deletion claims and row retention ----------------------------------------------------------------

    [Fact]
    public async Task BlobDeletionClaims_AndJobCreation_NeverInterleave()
    {
        var spec = Spec(image: 'c', input: 'd');
        // No job uses the image: cleanup claims it, and until it releases the claim no job can start using it.
        Assert.True(await Store.TryClaimBlobDeletionAsync(SharedBlob.Image, spec.ImageId, At(1)));
        var e = await Assert.ThrowsAsync<BlobBeingDeletedException>(() => NewJobAsync([Execute()], spec, At(2)));
        Assert.Contains($"image {spec.ImageId} is being deleted", e.Message);
        Assert.Equal(0L, (await Store.StatsAsync()).JobsByState.GetValueOrDefault(JobState.Running));
        await Store.ReleaseBlobDeletionAsync(SharedBlob.Image, spec.ImageId);

        // A job created first makes the claim fail: the blob stays.
        string job = await NewJobAsync([Execute()], spec, At(3));
        Assert.False(await Store.TryClaimBlobDeletionAsync(SharedBlob.Image, spec.ImageId, At(4)));
        Assert.False(await Store.TryClaimBlobDeletionAsync(SharedBlob.Input, spec.InputId, At(4)));
        Assert.NotNull(await Store.GetJobAsync(job));

        // A claim whose cleanup died stops blocking after its lifetime.
        var other = Spec(image: 'e', input: 'f');
        Assert.True(await Store.TryClaimBlobDeletionAsync(SharedBlob.Input, other.InputId, At(5)));
        await Assert.ThrowsAsync<BlobBeingDeletedException>(() => NewJobAsync([Execute()], other, At(6)));
        await NewJobAsync([Execute()], other, At(5) + ITaskStore.BlobClaimLifetime + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task DeleteEndedJobs_RemovesOnlyOldEndedJobsWhoseBlobsAreGone_InBoundedBatches()
    {
        var old = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            string id = await NewJobAsync([Prove(0), Prove(1), FinalizeAfter(0, 1)]);
            Assert.True(await Store.CancelJobAsync(id, At(10)));
            await Store.MarkBlobsDeletedAsync(id, At(11));
            old.Add(id);
        }
        string running = await NewJobAsync([Prove(0)]);
        string blobsKept = await NewJobAsync([Prove(0)]);
        Assert.True(await Store.CancelJobAsync(blobsKept, At(10)));
        string recent = await NewJobAsync([Prove(0)]);
        Assert.True(await Store.CancelJobAsync(recent, At(100)));
        await Store.MarkBlobsDeletedAsync(recent, At(101));

        Assert.Equal(2, await Store.DeleteEndedJobsAsync(At(50), limit: 2));
        Assert.Equal(1, await Store.DeleteEndedJobsAsync(At(50), limit: 2));
        Assert.Equal(0, await Store.DeleteEndedJobsAsync(At(50), limit: 2));
        foreach (string id in old)
        {
            Assert.Null(await Store.GetJobAsync(id));
            Assert.Empty(await Store.GetTaskCountsAsync(id));
        }
        foreach (string id in new[] { running, blobsKept, recent }) Assert.NotNull(await Store.GetJobAsync(id));
        var stats = await Store.StatsAsync();
        Assert.Equal(3, stats.TasksByState.Values.Sum());
        Assert.Equal(0L, stats.TasksByState.GetValueOrDefault((TaskType.Finalize, TaskState.Cancelled)));
    }

    [Fact]
    public async Task Complete_OfAnExecuteWithManySegments_PlansEveryTaskOnce()
    {
        const int segments = 20_000;
        string job = await NewJobAsync([Execute()]);
        var execute = await ClaimOneAsync(T0);
        var completion = JobPlanner.AfterExecute(Spec(), new Verity.Cluster.Protocol.ExecuteTaskOutput { Cycles = segments, Segments = segments });
        Assert.Equal(ReportOutcome.Accepted, await Store.CompleteAsync(execute.Lease, "{}", completion, At(1)));
        Assert.Equal(segments + 1, await CountAsync(job, TaskType.Prove, TaskState.Ready));
        Assert.Equal(1, await CountAsync(job, TaskType.Finalize, TaskState.Pending));
        Assert.Equal(segments, (await Store.GetJobAsync(job))!.Execution!.Segments);
    }
}
