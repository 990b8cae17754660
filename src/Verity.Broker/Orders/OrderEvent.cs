namespace Verity.Broker.Orders;

/// <summary>
/// One line of an order's history, shown by <c>verity orders show</c>: a decision (priced, skipped with a code,
/// waiting for the auction), a transaction (sent, mined, reverted) or a proving step.
/// </summary>
/// <param name="At">wall-clock time</param>
/// <param name="Kind">short stable word: decision, skip, lock, prove, submit, chain, error</param>
/// <param name="Detail">one human-readable line; never a key or a secret</param>
public sealed record OrderEvent(DateTimeOffset At, string Kind, string Detail);
