using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>
/// Builds a table's LogUp auxiliary columns once the challenges are known: each helper
/// h[r] = s₁·m₁[r]/(γ − f₁[r]) (+ s₂·m₂[r]/(γ − f₂[r]) when paired), with its scope's γ, and one
/// running sum per scope over that scope's helpers, in the layout of <see cref="TableDefinition"/>.
/// </summary>
internal static class LogUpBuilder
{
    private const int SumBlock = 4096;

    public static Goldilocks3[][] Build(TableState table, Goldilocks[] publicInputs, LogUpChallenges challenges)
    {
        var def = table.Definition;
        var helpers = def.LogUpHelpers;
        int n = table.Height, bs = ConstraintProgram.BlockSize;

        // Slot q is the q-th interaction in helper order: output 2q its fingerprint, 2q + 1 its
        // multiplicity. Helper j covers slots firstSlot[j] (and firstSlot[j] + 1 when paired).
        var terms = new List<(Expr, int, Goldilocks3)>();
        var slotGamma = new List<Goldilocks3>();
        var slotSend = new List<bool>();
        var firstSlot = new int[helpers.Count];
        for (int j = 0; j < helpers.Count; j++)
        {
            firstSlot[j] = slotGamma.Count;
            Interaction[] paired = helpers[j].Second is { } second ? [helpers[j].First, second] : [helpers[j].First];
            foreach (var it in paired)
            {
                int q = slotGamma.Count;
                terms.Add((TableDefinition.Fingerprint(it), 2 * q, Goldilocks3.One));
                terms.Add((it.Multiplicity, 2 * q + 1, Goldilocks3.One));
                slotGamma.Add(it.Scope == BusScope.Local ? challenges.Gamma : challenges.ExternalGamma);
                slotSend.Add(it.IsSend);
            }
        }
        int k = slotGamma.Count;
        var gammas = slotGamma.ToArray();
        var sends = slotSend.ToArray();
        var program = new ConstraintProgram(terms, 2 * k, e => Uniform(e, publicInputs, challenges));
        var source = new TraceRowSource(table.Main, def.Preprocessed, def.Periodic, null);

        var columns = new Goldilocks3[def.AuxWidth][];
        foreach (var helper in helpers) columns[helper.Column] = new Goldilocks3[n];
        int blocks = (n + bs - 1) / bs;
        try
        {
            Parallel.For(0, blocks, () => (program.CreateScratch(), new Goldilocks3[2 * k * bs], new Goldilocks3[k * bs]), (b, _, local) =>
            {
                var (scratch, outputs, inverses) = local;
                int start = b * bs, count = System.Math.Min(bs, n - start);
                program.Evaluate(source, start, count, scratch, outputs);
                // Every γ − f of the block inverted together: one field inversion per block.
                var inv = inverses.AsSpan(0, k * count);
                for (int q = 0; q < k; q++)
                {
                    var f = outputs.AsSpan(2 * q * bs, count);
                    var d = inv.Slice(q * count, count);
                    for (int i = 0; i < count; i++) d[i] = gammas[q] - f[i];
                }
                BatchInverse.InvertInPlace(inv);
                for (int j = 0; j < helpers.Count; j++)
                {
                    var h = columns[helpers[j].Column].AsSpan(start, count);
                    int q = firstSlot[j];
                    AddTerms(h, inv.Slice(q * count, count), outputs.AsSpan((2 * q + 1) * bs, count), sends[q], overwrite: true);
                    if (helpers[j].IsPaired)
                        AddTerms(h, inv.Slice((q + 1) * count, count), outputs.AsSpan((2 * q + 3) * bs, count), sends[q + 1], overwrite: false);
                }
                return local;
            }, _ => { });
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is DivideByZeroException))
        {
            // γ equal to a fingerprint: probability ~n/|F³|; a fresh transcript would redraw.
            throw new InvalidOperationException("LogUp challenge collided with a fingerprint; retry the proof.");
        }

        foreach (var (scope, sumColumn) in new[] { (BusScope.Local, def.LocalSumColumn), (BusScope.External, def.ExternalSumColumn) })
        {
            if (sumColumn < 0) continue;
            var scoped = helpers.Where(h => h.Scope == scope).Select(h => columns[h.Column]).ToArray();
            columns[sumColumn] = RunningSum(scoped, n);
        }
        return columns;
    }

    /// <summary>h ← (or +=) ±m·(γ − f)⁻¹; multiplicities are base-field values carried in C0.</summary>
    private static void AddTerms(Span<Goldilocks3> h, ReadOnlySpan<Goldilocks3> inverses, ReadOnlySpan<Goldilocks3> multiplicities, bool send, bool overwrite)
    {
        for (int i = 0; i < h.Length; i++)
        {
            var m = multiplicities[i].C0;
            var term = inverses[i] * (send ? m : -m);
            h[i] = overwrite ? term : h[i] + term;
        }
    }

    /// <summary>acc[r] = Σ_{i ≤ r} Σ_c helpers[c][i], as a two-pass parallel prefix sum over blocks.</summary>
    private static Goldilocks3[] RunningSum(Goldilocks3[][] helpers, int n)
    {
        var acc = new Goldilocks3[n];
        int blocks = (n + SumBlock - 1) / SumBlock;
        var totals = new Goldilocks3[blocks];
        Parallel.For(0, blocks, b =>
        {
            int start = b * SumBlock, end = System.Math.Min(n, start + SumBlock);
            Goldilocks3 running = Goldilocks3.Zero;
            for (int i = start; i < end; i++)
            {
                foreach (var h in helpers) running += h[i];
                acc[i] = running;
            }
            totals[b] = running;
        });
        for (int b = 1; b < blocks; b++) totals[b] += totals[b - 1];
        Parallel.For(1, blocks, b =>
        {
            var offset = totals[b - 1];
            int start = b * SumBlock, end = System.Math.Min(n, start + SumBlock);
            for (int i = start; i < end; i++) acc[i] += offset;
        });
        return acc;
    }

    public static Goldilocks3 Uniform(Expr e, Goldilocks[] publicInputs, LogUpChallenges challenges, Goldilocks3 claimedSum = default, Goldilocks3 externalSum = default) => e.Kind switch
    {
        ExprKind.PublicInput => publicInputs[e.Index],
        ExprKind.Challenge => challenges[e.Index],
        ExprKind.ClaimedSum => e.Index == 0 ? claimedSum : externalSum,
        _ => throw new InvalidOperationException($"{e.Kind} is not a uniform value."),
    };

    /// <summary>Splits extension columns into 3 base columns each (c0, c1, c2), the committed layout.</summary>
    public static Goldilocks[][] ToBaseColumns(Goldilocks3[][] columns)
    {
        var result = new Goldilocks[columns.Length * 3][];
        Parallel.For(0, columns.Length, e =>
        {
            var src = columns[e];
            var c0 = new Goldilocks[src.Length]; var c1 = new Goldilocks[src.Length]; var c2 = new Goldilocks[src.Length];
            for (int i = 0; i < src.Length; i++) { c0[i] = src[i].C0; c1[i] = src[i].C1; c2[i] = src[i].C2; }
            result[3 * e] = c0; result[3 * e + 1] = c1; result[3 * e + 2] = c2;
        });
        return result;
    }
}
