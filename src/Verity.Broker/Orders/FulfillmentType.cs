namespace Verity.Broker.Orders;

/// <summary>How this broker means to earn from a request (docs/BROKER.md §2).</summary>
public enum FulfillmentType
{
    /// <summary>Lock it, prove it before the lock deadline, be paid the lock price and get the collateral back.</summary>
    LockAndFulfill,
    /// <summary>Another prover's lock expired (or will): fulfil after the lock deadline for the slashed collateral's bounty.</summary>
    FulfillAfterLockExpire,
}

public static class FulfillmentTypes
{
    public static string Name(this FulfillmentType t) => t switch
    {
        FulfillmentType.LockAndFulfill => "lock_and_fulfill",
        FulfillmentType.FulfillAfterLockExpire => "fulfill_after_lock_expire",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static FulfillmentType Parse(string name) => name switch
    {
        "lock_and_fulfill" => FulfillmentType.LockAndFulfill,
        "fulfill_after_lock_expire" => FulfillmentType.FulfillAfterLockExpire,
        _ => throw new FormatException($"'{name}' is not a fulfilment type"),
    };
}
