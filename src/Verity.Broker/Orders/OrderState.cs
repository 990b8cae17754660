namespace Verity.Broker.Orders;

/// <summary>
/// Where an order stands (docs/BROKER.md §2). Every state is stored, so a restart resumes each order where it was;
/// <see cref="IsCommitted"/> states hold proving capacity, <see cref="IsEnded"/> states are final.
/// </summary>
public enum OrderState
{
    /// <summary>Seen (chain event or order stream); waiting for evaluation.</summary>
    New,
    /// <summary>Being preflighted and priced.</summary>
    Pricing,
    /// <summary>Priced: waiting for its target time (the auction reaching the minimum price) and a proving slot.</summary>
    WaitingToLock,
    /// <summary>The lock transaction may be in flight: never sent twice; resolved from the chain on restart.</summary>
    Locking,
    /// <summary>Locked by this broker (or, for a secondary order, committed to without a lock); not yet proving.</summary>
    PendingProving,
    /// <summary>A cluster job is proving it (<see cref="Order.ProvingJobId"/>).</summary>
    Proving,
    /// <summary>Proved and checked here; waiting for a batch.</summary>
    Proved,
    /// <summary>In a batch whose fulfilment transaction is being sent.</summary>
    Submitting,
    /// <summary>Fulfilled on chain by this broker.</summary>
    Fulfilled,
    /// <summary>Not taken, with a reason code (<see cref="Order.Reason"/>).</summary>
    Skipped,
    /// <summary>Another prover locked or fulfilled it first; nothing was spent beyond a reverted transaction.</summary>
    Lost,
    /// <summary>Committed but not fulfilled (proving failed, deadline missed, slashed), with a reason code.</summary>
    Failed,
}

public static class OrderStates
{
    /// <summary>States that hold a proving slot: from the lock to the fulfilment.</summary>
    public static bool IsCommitted(this OrderState s) =>
        s is OrderState.Locking or OrderState.PendingProving or OrderState.Proving or OrderState.Proved or OrderState.Submitting;

    public static bool IsEnded(this OrderState s) =>
        s is OrderState.Fulfilled or OrderState.Skipped or OrderState.Lost or OrderState.Failed;

    /// <summary>The state's name as stored, shown and used in metrics: snake_case.</summary>
    public static string Name(this OrderState s) => s switch
    {
        OrderState.New => "new",
        OrderState.Pricing => "pricing",
        OrderState.WaitingToLock => "waiting_to_lock",
        OrderState.Locking => "locking",
        OrderState.PendingProving => "pending_proving",
        OrderState.Proving => "proving",
        OrderState.Proved => "proved",
        OrderState.Submitting => "submitting",
        OrderState.Fulfilled => "fulfilled",
        OrderState.Skipped => "skipped",
        OrderState.Lost => "lost",
        OrderState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static OrderState Parse(string name) =>
        Enum.GetValues<OrderState>().FirstOrDefault(s => s.Name() == name) is var s && s.Name() == name
            ? s
            : throw new FormatException($"'{name}' is not an order state");
}
