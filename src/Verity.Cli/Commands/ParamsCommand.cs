using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Verity.Stark.Air.Parameters;
using Verity.Stark.Air.Security;
using Verity.Zkvm.Proving;

namespace Verity.Cli.Commands;

/// <summary>
/// `verity params`: the named parameter sets and the provable security of a zkVM receipt made with each (an estimate
/// for S segments of 2^po2 cycles; see docs/SOUNDNESS.md): every round's bits for the weakest segment table, the
/// LogUp terms, each proof, the global challenge and the receipt's union bound.
/// </summary>
internal static class ParamsCommand
{
    public static Command Create()
    {
        var po2 = SegmentPo2Option.Create();
        var segments = new Option<int>("--segments") { Description = "segments in the receipt (each adds a proof to the union bound)", DefaultValueFactory = _ => 16 };
        var only = new Option<string?>("--params") { Description = "show only this parameter set" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var cmd = new Command("params", "List the named STARK parameter sets with the provable security of a zkVM receipt made with each.");
        foreach (var o in new Option[] { po2, segments, only, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(po2), r.GetValue(segments), r.GetValue(only), r.GetValue(json))));
        return cmd;
    }

    private static int Run(int po2, int segments, string? only, bool json)
    {
        SegmentPo2Option.Check(po2);
        if (segments is < 1 or > 1 << 20) throw new CliException($"--segments must be in 1..2^20, got {segments}.");
        var sets = only is null ? StarkParameters.Named : [StarkParameters.FromName(only)];
        var reports = sets.Select(p => ReceiptSecurity.Estimate(p, po2, segments)).ToList();
        if (json) Console.WriteLine(JsonSerializer.Serialize(new { po2, segments, sets = reports.Select(Json) }));
        else Print(reports, po2, segments);
        return 0;
    }

    private static void Print(List<ReceiptSecurityReport> reports, int po2, int segments)
    {
        AnsiConsole.MarkupLine($"[bold]Provable security of a zkVM receipt[/]: {segments} segment(s) of up to 2^{po2} cycles + 1 memory proof, " +
            "every table from 2^6 rows up to 2^po2 (estimate; docs/SOUNDNESS.md)");
        var sets = new Table().Border(TableBorder.Rounded)
            .AddColumns("name", "blowup", "queries", "grinding", "FRI arity", "hash", "conjectured", "each proof ≥", "receipt");
        foreach (var r in reports)
        {
            var p = r.Parameters;
            sets.AddRow(p.IsInsecure ? $"{p.Name} [red](tests only)[/]" : p.Name, $"{p.Blowup}", $"{p.Queries}", $"{p.GrindingBits}", $"{p.FriFoldingArity}",
                p.Hash.Name, $"{r.Segment.ConjecturedBits:F0}", Bits(r.ProofBits), Bits(r.TotalBits));
        }
        AnsiConsole.Write(sets);

        var terms = new Table().Border(TableBorder.Rounded).AddColumn("provable bits (rounded down)");
        foreach (var r in reports) terms.AddColumn(new TableColumn(Markup.Escape(r.Parameters.Name)).RightAligned());
        void Row(string label, Func<ReceiptSecurityReport, string> cell) => terms.AddRow([Markup.Escape(label), .. reports.Select(r => Markup.Escape(cell(r)))]);
        var first = reports[0].Segment;
        Row("segment: weakest table", r => $"2^{r.Segment.WeakestTable.LogHeight} rows");
        Row($"  constraint batching (C = {first.Constraints})", r => Term(r.Segment.WeakestTable.Report.DecidingTerms.Ali));
        Row("  out-of-domain point (DEEP)", r => Term(r.Segment.WeakestTable.Report.DecidingTerms.Deep));
        Row($"  FRI batching (P = {first.CommittedBaseColumns} base columns)", r => Term(r.Segment.WeakestTable.Report.DecidingTerms.Batch));
        Row("  FRI folding (unique decoding only)", r => Term(r.Segment.WeakestTable.Report.DecidingTerms.Fold));
        Row("  queries + grinding", r => Term(r.Segment.WeakestTable.Report.DecidingTerms.Query));
        Row("  regime", r => r.Segment.WeakestTable.Report.ListDecodingDecides ? $"list decoding, m = {r.Segment.WeakestTable.Report.ListDecodingM}" : "unique decoding");
        Row("  table (capped at 128 by the hash)", r => Bits(r.Segment.WeakestTable.Report.ProvableBits));
        Row("segment: local LogUp buses", r => Term(r.Segment.LocalLogUpBits));
        Row("segment proof", r => Bits(r.Segment.ProvableBits));
        Row("memory: weakest table", r => $"2^{r.Memory.WeakestTable.LogHeight} rows");
        Row("memory proof", r => Bits(r.Memory.ProvableBits));
        Row("global challenge (global buses)", r => Term(r.GlobalLogUpBits));
        Row($"receipt: union of {segments} + 1 proofs and the global buses", r => Bits(r.TotalBits));
        AnsiConsole.Write(terms);
        AnsiConsole.MarkupLine("[grey]Each round's bits are −log2 of its soundness error; a table's figure is the smallest. A proof's figure is its weakest " +
            "table's, joined with its LogUp buses; the verifier requires 100 for each proof. The receipt adds up the errors of all its proofs.[/]");
    }

    private static object Json(ReceiptSecurityReport r)
    {
        var p = r.Parameters;
        var t = r.Segment.WeakestTable.Report;
        var d = t.DecidingTerms;
        return new
        {
            name = p.Name,
            blowup = p.Blowup,
            queries = p.Queries,
            grinding_bits = p.GrindingBits,
            fri_arity = p.FriFoldingArity,
            hash = p.Hash.Name,
            insecure = p.IsInsecure,
            conjectured_bits = r.Segment.ConjecturedBits,
            segment = new
            {
                constraints = r.Segment.Constraints,
                committed_base_columns = r.Segment.CommittedBaseColumns,
                weakest_table_log_height = r.Segment.WeakestTable.LogHeight,
                regime = t.ListDecodingDecides ? "list-decoding" : "unique-decoding",
                list_decoding_m = t.ListDecodingM,
                terms = new { ali = Whole(d.Ali), deep = Whole(d.Deep), fri_batching = Whole(d.Batch), fri_folding = Whole(d.Fold), queries = Whole(d.Query) },
                table_bits = t.ProvableBits,
                local_logup_bits = Whole(r.Segment.LocalLogUpBits),
                provable_bits = r.Segment.ProvableBits,
            },
            memory = new
            {
                weakest_table_log_height = r.Memory.WeakestTable.LogHeight,
                local_logup_bits = Whole(r.Memory.LocalLogUpBits),
                provable_bits = r.Memory.ProvableBits,
            },
            global_logup_bits = Whole(r.GlobalLogUpBits),
            proof_bits = r.ProofBits,
            receipt_bits = r.TotalBits,
        };
    }

    /// <summary>Whole bits (rounded down), null for a term that does not apply (+∞).</summary>
    private static double? Whole(double bits) => double.IsPositiveInfinity(bits) ? null : SecurityCalculator.WholeBits(bits);

    private static string Term(double bits) => Whole(bits) is { } b ? $"{b:F0}" : "—";

    private static string Bits(double bits) => $"{bits:F0}";
}
