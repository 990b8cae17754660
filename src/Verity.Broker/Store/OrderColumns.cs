using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Numerics;
using Dapper;
using Verity.Broker.Orders;
using Verity.Market.OrderStream.Wire;

namespace Verity.Broker.Store;

/// <summary>
/// An <see cref="Order"/> as a row of <c>broker_orders</c>: one column per field (so operators can query the table),
/// the request and its signature as the order stream's JSON (<see cref="OrderJson"/>), amounts as decimal text or
/// NUMERIC, times as unix milliseconds (wall clock) or seconds (chain time), enums by their snake_case names.
/// </summary>
internal static class OrderColumns
{
    private enum Kind { Text, Big, Long, Int, Bool, Bytes }

    private static readonly (string Name, Kind Kind)[] All =
    [
        ("id", Kind.Text), ("request_id", Kind.Text), ("requestor", Kind.Text), ("request_json", Kind.Text),
        ("request_digest", Kind.Bytes), ("source", Kind.Text), ("type", Kind.Text), ("state", Kind.Text),
        ("observed_at", Kind.Long), ("updated_at", Kind.Long), ("expiry", Kind.Long),
        ("reason", Kind.Text), ("reason_detail", Kind.Text),
        ("image_id", Kind.Text), ("cycles", Kind.Long), ("journal_hex", Kind.Text), ("preflight_job_id", Kind.Text),
        ("minimum_price", Kind.Big), ("target_time", Kind.Long), ("priority", Kind.Bool),
        ("lock_transaction", Kind.Text), ("lock_price", Kind.Big), ("lock_collateral", Kind.Big), ("lock_block", Kind.Long),
        ("proving_job_id", Kind.Text), ("proving_attempts", Kind.Int), ("proving_started_at", Kind.Long), ("proved_at", Kind.Long),
        ("batch_id", Kind.Long), ("fulfill_transaction", Kind.Text), ("fulfilled_at", Kind.Long),
        ("gas_spent_wei", Kind.Big), ("earned_wei", Kind.Big), ("bounty_earned", Kind.Big), ("slashed", Kind.Bool),
    ];

    /// <summary>The select list, in <see cref="All"/>'s order (what <see cref="Read"/> expects).</summary>
    public static string Select(SqlDialect d) =>
        string.Join(", ", All.Select(c => c.Kind == Kind.Big ? d.BigOut(c.Name) : c.Name));

    /// <summary>Inserts the order unless its id is there (no row changed then).</summary>
    public static string Insert(SqlDialect d) =>
        $"INSERT INTO {BrokerSchema.Orders} ({string.Join(", ", All.Select(c => c.Name))}) " +
        $"VALUES ({string.Join(", ", All.Select(c => In(d, c)))}) ON CONFLICT (id) DO NOTHING";

    /// <summary>Replaces every column of the order if it is still in state <c>@expected_state</c>.</summary>
    public static string CompareAndSet(SqlDialect d) =>
        $"UPDATE {BrokerSchema.Orders} SET {string.Join(", ", All.Skip(1).Select(c => $"{c.Name} = {In(d, c)}"))} " +
        "WHERE id = @id AND state = @expected_state";

    private static string In(SqlDialect d, (string Name, Kind Kind) c) => c.Kind == Kind.Big ? d.BigIn(c.Name) : "@" + c.Name;

    /// <summary>The order's column values as named parameters.</summary>
    /// <exception cref="ArgumentException">A field cannot be stored (the message names the order and the field).</exception>
    public static DynamicParameters Parameters(Order o, DateTimeOffset updatedAt)
    {
        if (o.Signature is not { Length: 65 })
            throw new ArgumentException($"order {o.Id}: the signature must be 65 bytes (r ‖ s ‖ v), not {o.Signature?.Length ?? 0}", nameof(o));
        var values = new object?[]
        {
            o.Id, RequestIds.Hex(o.RequestId), o.Requestor, OrderJson.Serialize(new SignedOrder(o.Request, o.Signature)),
            o.RequestDigest, o.Source, o.Type.Name(), o.State.Name(),
            o.ObservedAt.ToUnixTimeMilliseconds(), updatedAt.ToUnixTimeMilliseconds(), Signed(o.Id, "Expiry", o.Expiry),
            o.Reason, o.ReasonDetail,
            o.ImageId, o.Cycles, o.JournalHex, o.PreflightJobId,
            Big(o.MinimumPrice), Signed(o.Id, nameof(o.TargetTime), o.TargetTime), o.Priority,
            o.LockTransaction, Big(o.LockPrice), Big(o.LockCollateral), Signed(o.Id, nameof(o.LockBlock), o.LockBlock),
            o.ProvingJobId, o.ProvingAttempts, o.ProvingStartedAt?.ToUnixTimeMilliseconds(), o.ProvedAt?.ToUnixTimeMilliseconds(),
            o.BatchId, o.FulfillTransaction, o.FulfilledAt?.ToUnixTimeMilliseconds(),
            Big(o.GasSpentWei), Big(o.EarnedWei), Big(o.BountyEarned), o.Slashed,
        };
        var p = new DynamicParameters();
        for (int i = 0; i < All.Length; i++)
            p.Add(All[i].Name, values[i], All[i].Kind switch
            {
                Kind.Text or Kind.Big => DbType.String,
                Kind.Long => DbType.Int64,
                Kind.Int => DbType.Int32,
                Kind.Bool => DbType.Boolean,
                _ => DbType.Binary,
            });
        return p;
    }

    /// <summary>Reads one row selected with <see cref="Select"/>.</summary>
    /// <exception cref="InvalidDataException">The row does not hold a valid order (the message names it).</exception>
    public static Order Read(DbDataReader r)
    {
        string id = r.GetString(0);
        try
        {
            var signed = OrderJson.Parse(r.GetString(3));
            return new Order
            {
                Id = id,
                RequestId = signed.Request.Id,
                Requestor = r.GetString(2),
                Request = signed.Request,
                Signature = signed.Signature,
                RequestDigest = (byte[])r.GetValue(4),
                Source = r.GetString(5),
                Type = FulfillmentTypes.Parse(r.GetString(6)),
                State = OrderStates.Parse(r.GetString(7)),
                ObservedAt = Time(r, 8)!.Value,
                UpdatedAt = Time(r, 9)!.Value,
                Reason = Text(r, 11),
                ReasonDetail = Text(r, 12),
                ImageId = Text(r, 13),
                Cycles = Long(r, 14),
                JournalHex = Text(r, 15),
                PreflightJobId = Text(r, 16),
                MinimumPrice = Big(r, 17),
                TargetTime = (ulong?)Long(r, 18),
                Priority = Convert.ToBoolean(r.GetValue(19), CultureInfo.InvariantCulture),
                LockTransaction = Text(r, 20),
                LockPrice = Big(r, 21),
                LockCollateral = Big(r, 22),
                LockBlock = (ulong?)Long(r, 23),
                ProvingJobId = Text(r, 24),
                ProvingAttempts = Convert.ToInt32(r.GetValue(25), CultureInfo.InvariantCulture),
                ProvingStartedAt = Time(r, 26),
                ProvedAt = Time(r, 27),
                BatchId = Long(r, 28),
                FulfillTransaction = Text(r, 29),
                FulfilledAt = Time(r, 30),
                GasSpentWei = Big(r, 31)!.Value,
                EarnedWei = Big(r, 32)!.Value,
                BountyEarned = Big(r, 33)!.Value,
                Slashed = Convert.ToBoolean(r.GetValue(34), CultureInfo.InvariantCulture),
            };
        }
        catch (Exception e) when (e is FormatException or OrderFormatException or InvalidCastException or OverflowException)
        {
            throw new InvalidDataException($"stored order {id} is not valid: {e.Message}", e);
        }
    }

    /// <summary>Chain times and block numbers are kept as BIGINT: refuse (rather than wrap) the impossible ones above 2^63.</summary>
    private static long? Signed(string id, string field, ulong? value) =>
        value is ulong v
            ? v <= long.MaxValue ? (long)v : throw new ArgumentOutOfRangeException(field, v, $"order {id}: {field} is above 2^63 and cannot be stored")
            : null;

    public static string? Big(BigInteger? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static BigInteger? Big(DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : BigInteger.Parse(Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static BigInteger ParseBig(object? value) =>
        value is null or DBNull ? BigInteger.Zero
            : BigInteger.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(DbDataReader r, int i) => Long(r, i) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
