using System.Globalization;
using System.Numerics;

namespace Verity.Market.OrderStream.Storage;

/// <summary>One row of the orders table as Dapper reads it (both dialects name the columns alike).</summary>
internal sealed class OrderRow
{
    public long Seq { get; set; }
    public string RequestId { get; set; } = "";
    public byte[] RequestDigest { get; set; } = [];
    public string Requestor { get; set; } = "";
    public long Deadline { get; set; }
    public long CreatedMs { get; set; }
    public string Body { get; set; } = "";
    public byte[] Signature { get; set; } = [];

    public const string Columns =
        "seq AS Seq, request_id AS RequestId, request_digest AS RequestDigest, requestor AS Requestor, deadline AS Deadline, " +
        "created_ms AS CreatedMs, body AS Body, signature AS Signature";

    public StoredOrder ToOrder() =>
        new(Seq, ParseId(RequestId), RequestDigest, Requestor, Deadline, CreatedMs, Body, Signature);

    /// <summary>Ids are kept as fixed-width lower-case hex (48 digits: 192 bits), so text equality is id equality.</summary>
    public static string FormatId(BigInteger id)
    {
        if (id.Sign < 0 || id >= BigInteger.One << 192) throw new ArgumentOutOfRangeException(nameof(id), "a request id has at most 192 bits");
        string hex = id.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        return hex.PadLeft(48, '0');
    }

    private static BigInteger ParseId(string hex) => BigInteger.Parse("0" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
