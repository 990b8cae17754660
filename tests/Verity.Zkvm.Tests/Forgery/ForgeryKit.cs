using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Verifier;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Memory;
using Verity.Zkvm.Programs;
using Verity.Zkvm.Proving;
using Verity.Zkvm.Receipts;
using Verity.Zkvm.Verification;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Tests.Forgery;

/// <summary>
/// Coordinated forgeries, built as an attacker would: edit several cells of an honest witness together (any table,
/// any segment, the memory proof), optionally change the claim the receipt states, then rebuild the lookup tables'
/// multiplicities (16-bit range and byte AND) from every edited table so that those buses balance wherever the edited
/// values are in range, and prove with the prover's own checks off. The verifier must reject what comes out; the mock
/// prover (<see cref="FirstViolation"/>) names the check that catches it, so a test can show it fails for the reason
/// it means to.
/// </summary>
internal static class ForgeryKit
{
    /// <summary>A witness edit: segment index (−1 for the memory proof), table name, the table's honest trace.</summary>
    public delegate void Edit(int segment, string table, TraceColumns trace);

    /// <param name="Input">The honest input the base witness is executed on.</param>
    /// <param name="ClaimedInput">The input the forged receipt carries instead (its digest must be in the forged claim).</param>
    public sealed record Forgery(ProgramImage Image, byte[] Input, int Po2, Edit Edits, Func<Claim, uint, (Claim, uint)>? Claim = null, byte[]? ClaimedInput = null);

    public static Receipt Prove(Forgery f, StarkParameters parameters)
    {
        var receipt = ZkvmProver.Prove(f.Image, f.Input, Options(f, parameters));
        return f.ClaimedInput is not { } input ? receipt : new Receipt
        {
            Claim = receipt.Claim, Image = receipt.Image, Input = input, InputConsumed = receipt.InputConsumed, SegmentPo2 = receipt.SegmentPo2,
            Segments = receipt.Segments, SegmentProofs = receipt.SegmentProofs, MemoryProof = receipt.MemoryProof,
        };
    }

    public static ReceiptVerification ProveAndVerify(Forgery f, StarkParameters parameters, VerifierOptions options) =>
        ZkvmVerifier.Verify(ReceiptCodec.Serialize(Prove(f, parameters)), f.Image.ImageId, parameters, options);

    /// <summary>The first constraint, bus or global-sum violation of the forged witness (null if it satisfies every check).</summary>
    public static string? FirstViolation(Forgery f) => ZkvmWitnessChecker.Check(f.Image, f.Input, Options(f, StarkParameters.InsecureTest));

    private static ZkvmProveOptions Options(Forgery f, StarkParameters parameters)
    {
        var segmentAir = new SegmentCircuit(new ProgramRom(f.Image)).Air;
        var memoryAir = MemoryCircuit.Instance.Air;
        var seen = new Dictionary<(int, string), TraceColumns>();
        return new ZkvmProveOptions
        {
            SegmentPo2 = f.Po2,
            Parameters = parameters,
            RejectInvalidWitness = false,
            TamperClaim = f.Claim,
            TamperTrace = (segment, table, trace) =>
            {
                f.Edits(segment, table, trace);
                if (table == "bytes") Rebalance(segment < 0 ? memoryAir : segmentAir, segment, trace, seen);
                else seen[(segment, table)] = trace;
            },
        };
    }

    /// <summary>Recomputes the byte table's range and AND multiplicities from what every other table of the proof sends.</summary>
    private static void Rebalance(AirDefinition air, int segment, TraceColumns bytes, Dictionary<(int, string), TraceColumns> seen)
    {
        Array.Clear(bytes.Columns[0]);
        Array.Clear(bytes.Columns[1]);
        foreach (var table in air.Tables)
        {
            if (!seen.TryGetValue((segment, table.Name), out var trace)) continue;
            foreach (var i in table.Interactions)
            {
                if (!i.IsSend || (i.Bus != Buses.Range16 && i.Bus != Buses.ByteAnd)) continue;
                for (int row = 0; row < trace.Height; row++)
                {
                    var m = Eval(i.Multiplicity, trace, row);
                    if (m.IsZero) continue;
                    ulong x = Eval(i.Values[0], trace, row).Value;
                    long index;
                    if (i.Bus == Buses.Range16) index = x < 1 << 16 ? (long)x : -1;
                    else
                    {
                        ulong y = Eval(i.Values[1], trace, row).Value, and = Eval(i.Values[2], trace, row).Value;
                        index = x < 256 && y < 256 && and == (x & y) ? (long)(x | (y << 8)) : -1;
                    }
                    // A value outside the table cannot be balanced: leave it unbalanced, as an attacker would have to.
                    if (index < 0) continue;
                    int column = i.Bus == Buses.Range16 ? 0 : 1;
                    bytes.Columns[column][index] += m;
                }
            }
        }
    }

    /// <summary>Evaluates a lookup expression over main columns on one row.</summary>
    private static Goldilocks Eval(Expr e, TraceColumns t, int row) =>
        RowExpr.Eval(e, (column, next) => t.Columns[column][next ? (row + 1) % t.Height : row], []);
}
