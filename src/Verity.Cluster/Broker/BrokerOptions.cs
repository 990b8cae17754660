using Verity.Cluster.Jobs;

namespace Verity.Cluster.Broker;

/// <summary>Settings of the proving broker and the job service (bound from the node's configuration, section "Broker").</summary>
public sealed record BrokerOptions
{
    /// <summary>Lease timeouts and bounded attempts per task type.</summary>
    public TaskPolicies Policies { get; init; } = new();

    /// <summary>Largest accepted ELF upload.</summary>
    public long MaxImageBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Most memory an uploaded ELF may declare (the sum of its segments' p_memsz, zero fill included): an 88-byte
    /// file can declare 1 GiB, which costs no memory but is hashed and proved in proportion to its size. At most
    /// <see cref="Vm.ElfLoader.MaxImageBytes"/>.
    /// </summary>
    public long MaxImageMemoryBytes { get; init; } = Vm.ElfLoader.DefaultMaxImageBytes;

    /// <summary>Largest accepted input upload.</summary>
    public long MaxInputBytes { get; init; } = 64L << 20;

    /// <summary>Whether clients may create simulated-proving jobs (load tests). Off by default.</summary>
    public bool AllowSimulation { get; init; }

    /// <summary>How long a receipt stays after its first download.</summary>
    public TimeSpan ReceiptRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long an ended job's blobs stay when the receipt is never fetched.</summary>
    public TimeSpan JobRetention { get; init; } = TimeSpan.FromDays(3);

    /// <summary>A job still running this long after creation is cancelled as expired (its deadline, if set, comes first).</summary>
    public TimeSpan MaxJobAge { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How often leases are checked for expiry.</summary>
    public TimeSpan LeaseCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the lifecycle cleanup runs.</summary>
    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most segments one job may have. A job whose declared cycle limit allows more at its segment size is refused at
    /// submission (400); without a declared limit its cycle limit is lowered to fit; a run that still reports more
    /// fails its job. Bounds the task rows, planning work and finalize's memory per job.
    /// </summary>
    public int MaxSegmentsPerJob { get; init; } = 16384;

    /// <summary>Largest journal an execute task may report (bytes).</summary>
    public int MaxJournalBytes { get; init; } = 16 << 20;

    /// <summary>How long an ended job's rows (job, tasks, dependencies) stay after it finished, once its blobs are gone.</summary>
    public TimeSpan RowRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>An agent counts as live when heard from within this window.</summary>
    public TimeSpan LiveAgentWindow { get; init; } = TimeSpan.FromSeconds(30);
}
