using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>
/// Builds a table's LogUp auxiliary columns once the global challenges γ, β are known:
/// helper hⱼ[r] = ±mⱼ[r]/(γ − fⱼ[r]) for each interaction, and the running sum of all helpers.
/// </summary>
internal static class LogUpBuilder
{
    public static Goldilocks3[][] Build(TableState table, Goldilocks[] publicInputs, Goldilocks3 gamma, Goldilocks3 beta)
    {
        var def = table.Definition;
        int n = table.Height, k = def.Interactions.Count;
        var terms = new List<(Expr, int, Goldilocks3)>();
        for (int j = 0; j < k; j++)
        {
            terms.Add((TableDefinition.Fingerprint(def.Interactions[j]), 2 * j, Goldilocks3.One));
            terms.Add((def.Interactions[j].Multiplicity, 2 * j + 1, Goldilocks3.One));
        }
        var program = new ConstraintProgram(terms, 2 * k, e => Uniform(e, publicInputs, gamma, beta));
        var source = new TraceRowSource(table.Main, def.Preprocessed, def.Periodic, null);

        var denominators = new Goldilocks3[k][];
        var multiplicities = new Goldilocks3[k][];
        for (int j = 0; j < k; j++) { denominators[j] = new Goldilocks3[n]; multiplicities[j] = new Goldilocks3[n]; }
        int blocks = (n + ConstraintProgram.BlockSize - 1) / ConstraintProgram.BlockSize;
        Parallel.For(0, blocks, () => (program.CreateScratch(), new Goldilocks3[2 * k * ConstraintProgram.BlockSize]), (b, _, local) =>
        {
            var (scratch, outputs) = local;
            int start = b * ConstraintProgram.BlockSize, count = System.Math.Min(ConstraintProgram.BlockSize, n - start);
            program.Evaluate(source, start, count, scratch, outputs);
            for (int j = 0; j < k; j++)
                for (int i = 0; i < count; i++)
                {
                    denominators[j][start + i] = gamma - outputs[(2 * j) * ConstraintProgram.BlockSize + i];
                    multiplicities[j][start + i] = outputs[(2 * j + 1) * ConstraintProgram.BlockSize + i];
                }
            return local;
        }, _ => { });

        var columns = new Goldilocks3[k + 1][];
        for (int j = 0; j < k; j++)
        {
            try { BatchInverse.InvertInPlaceParallel(denominators[j]); }
            catch (DivideByZeroException)
            {
                // γ equal to a fingerprint: probability ~n/|F³|; a fresh transcript would redraw.
                throw new InvalidOperationException("LogUp challenge collided with a fingerprint; retry the proof.");
            }
            var h = denominators[j];
            bool send = def.Interactions[j].IsSend;
            var m = multiplicities[j];
            Parallel.For(0, n / 1024 + 1, b =>
            {
                int end = System.Math.Min(n, (b + 1) * 1024);
                for (int i = b * 1024; i < end; i++) h[i] = send ? h[i] * m[i] : -(h[i] * m[i]);
            });
            columns[j] = h;
        }
        var acc = new Goldilocks3[n];
        Goldilocks3 running = Goldilocks3.Zero;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < k; j++) running += columns[j][i];
            acc[i] = running;
        }
        columns[k] = acc;
        return columns;
    }

    public static Goldilocks3 Uniform(Expr e, Goldilocks[] publicInputs, Goldilocks3 gamma, Goldilocks3 beta, Goldilocks3 claimedSum = default) => e.Kind switch
    {
        ExprKind.PublicInput => publicInputs[e.Index],
        ExprKind.Challenge => e.Index == TableDefinition.ChallengeGamma ? gamma : beta,
        ExprKind.ClaimedSum => claimedSum,
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
