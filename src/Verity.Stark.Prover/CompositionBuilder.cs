using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>
/// Evaluates the composition polynomial H = Σₖ αᵏ·Cₖ/Dₖ over a table's LDE coset, grouping
/// constraints by divisor (transition, first row, last row, every row), then splits H into
/// chunks of degree &lt; n: H(X) = Σᵢ X^(i·n)·Hᵢ(X). Returns the chunks' coefficients as base
/// columns (chunk i, component c → column 3i + c).
/// </summary>
internal static class CompositionBuilder
{
    private const int GroupTransition = 0, GroupFirst = 1, GroupLast = 2, GroupEvery = 3;

    public static Goldilocks[][] Build(TableState table, Goldilocks[] publicInputs, Goldilocks3 gamma, Goldilocks3 beta, Goldilocks3 alpha, bool rejectInvalid)
    {
        var def = table.Definition;
        int n = table.Height, N = table.LdeSize, B = table.Blowup;
        var terms = new List<(Expr, int, Goldilocks3)>();
        var weight = Goldilocks3.One;
        bool[] used = new bool[4];
        foreach (var c in def.AllConstraints)
        {
            int g = c.Domain switch
            {
                ConstraintDomain.Transition => GroupTransition,
                ConstraintDomain.FirstRow => GroupFirst,
                ConstraintDomain.LastRow => GroupLast,
                _ => GroupEvery,
            };
            used[g] = true;
            terms.Add((c.Expression, g, weight));
            weight *= alpha;
        }
        var claimed = table.ClaimedSum;
        var program = new ConstraintProgram(terms, 4, e => LogUpBuilder.Uniform(e, publicInputs, gamma, beta, claimed));
        var source = table.LdeSource();

        // Divisors over the coset x = s·ω_N^i. xⁿ takes only B values (ω_N^n has order B).
        var shift = table.Shift;
        var omega = Goldilocks.RootOfUnity(table.LogLde);
        var gLast = Goldilocks.RootOfUnity(table.LogHeight).Pow((ulong)(n - 1));
        var invZ = new Goldilocks[B];
        var sn = shift.Pow((ulong)n);
        var omegaB = Goldilocks.RootOfUnity(table.LogLde - table.LogHeight);
        for (int i = 0; i < B; i++) invZ[i] = sn * omegaB.Pow((ulong)i) - Goldilocks.One;
        BatchInverse.InvertInPlace<Goldilocks>(invZ);
        Goldilocks[]? invFirst = used[GroupFirst] ? InverseOfShifted(shift, omega, N, Goldilocks.One) : null;
        Goldilocks[]? invLast = used[GroupLast] ? InverseOfShifted(shift, omega, N, gLast) : null;

        var h = new Goldilocks3[N];
        int bs = ConstraintProgram.BlockSize;
        int blocks = N / bs > 0 ? (N + bs - 1) / bs : 1;
        Parallel.For(0, blocks, () => (program.CreateScratch(), new Goldilocks3[4 * bs]), (b, _, local) =>
        {
            var (scratch, outputs) = local;
            int start = b * bs, count = System.Math.Min(bs, N - start);
            program.Evaluate(source, start, count, scratch, outputs);
            var x = shift * omega.Pow((ulong)start);
            for (int i = 0; i < count; i++)
            {
                int row = start + i;
                var zinv = invZ[row & (B - 1)];
                Goldilocks3 acc = outputs[GroupTransition * bs + i] * ((x - gLast) * zinv) + outputs[GroupEvery * bs + i] * zinv;
                if (invFirst != null) acc += outputs[GroupFirst * bs + i] * invFirst[row];
                if (invLast != null) acc += outputs[GroupLast * bs + i] * invLast[row];
                h[row] = acc;
                x *= omega;
            }
            return local;
        }, _ => { });

        // Interpolate H on the coset and cut its coefficients into chunks of n.
        var comps = LogUpBuilder.ToBaseColumns([h]);
        Parallel.For(0, 3, c => Ntt.CosetInverse(comps[c], shift));
        int chunks = def.QuotientChunks;
        if (rejectInvalid)
        {
            for (int c = 0; c < 3; c++)
                for (int i = chunks * n; i < N; i++)
                    if (!comps[c][i].IsZero)
                        throw new InvalidWitnessException(ConstraintChecker.Diagnose(table, publicInputs, gamma, beta)
                            ?? $"Table '{def.Name}': the composition polynomial is not of degree < {chunks}·n although every constraint holds on the trace; is the declared degree right?");
        }
        var result = new Goldilocks[chunks * 3][];
        for (int i = 0; i < chunks; i++)
            for (int c = 0; c < 3; c++)
                result[3 * i + c] = comps[c].AsSpan(i * n, n).ToArray();
        return result;
    }

    /// <summary>1/(x − a) for every x = s·ωⁱ of the coset (a is never on the coset).</summary>
    private static Goldilocks[] InverseOfShifted(Goldilocks shift, Goldilocks omega, int size, Goldilocks a)
    {
        var v = new Goldilocks[size];
        const int block = 4096;
        Parallel.For(0, (size + block - 1) / block, b =>
        {
            int start = b * block, end = System.Math.Min(size, start + block);
            var x = shift * omega.Pow((ulong)start);
            for (int i = start; i < end; i++) { v[i] = x - a; x *= omega; }
        });
        BatchInverse.InvertInPlaceParallel(v);
        return v;
    }
}
