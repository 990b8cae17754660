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

    public static Goldilocks[][] Build(TableState table, Goldilocks[] publicInputs, LogUpChallenges challenges, Goldilocks3 alpha, bool rejectInvalid)
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
        Goldilocks3 claimed = table.ClaimedSum, external = table.ExternalSum;
        var program = new ConstraintProgram(terms, 4, e => LogUpBuilder.Uniform(e, publicInputs, challenges, claimed, external));

        // H has degree < chunks·n, so it is determined by its values on a sub-coset of the LDE of
        // size Q = 2^⌈log₂ chunks⌉·n: every (N/Q)-th LDE row. Evaluating there, not on all N rows,
        // makes the quotient's cost independent of the blowup.
        int chunks = def.QuotientChunks;
        int logQ = table.LogHeight + System.Numerics.BitOperations.Log2((uint)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)chunks));
        if (logQ > table.LogLde) throw new InvalidOperationException($"Table '{def.Name}' needs {chunks} quotient chunks, more than the blowup {B} allows.");
        int Q = 1 << logQ, stride = N / Q;
        var source = table.LdeSource(stride);

        // Divisors over the sub-coset x = s·ω_Q^j. xⁿ takes only Q/n values (ω_Q^n has order Q/n).
        var shift = table.Shift;
        var omega = Goldilocks.RootOfUnity(logQ);
        var gLast = Goldilocks.RootOfUnity(table.LogHeight).Pow((ulong)(n - 1));
        int periodZ = Q / n;
        var invZ = new Goldilocks[periodZ];
        var sn = shift.Pow((ulong)n);
        var omegaZ = Goldilocks.RootOfUnity(logQ - table.LogHeight);
        for (int i = 0; i < periodZ; i++) invZ[i] = sn * omegaZ.Pow((ulong)i) - Goldilocks.One;
        BatchInverse.InvertInPlace<Goldilocks>(invZ);
        Goldilocks[]? invFirst = used[GroupFirst] ? InverseOfShifted(shift, omega, Q, Goldilocks.One) : null;
        Goldilocks[]? invLast = used[GroupLast] ? InverseOfShifted(shift, omega, Q, gLast) : null;

        var h = new Goldilocks3[Q];
        int bs = ConstraintProgram.BlockSize;
        int blocks = (Q + bs - 1) / bs;
        Parallel.For(0, blocks, () => (program.CreateScratch(), new Goldilocks3[4 * bs]), (b, _, local) =>
        {
            var (scratch, outputs) = local;
            int start = b * bs, count = System.Math.Min(bs, Q - start);
            program.Evaluate(source, start, count, scratch, outputs);
            var x = shift * omega.Pow((ulong)start);
            for (int i = 0; i < count; i++)
            {
                int row = start + i;
                var zinv = invZ[row & (periodZ - 1)];
                Goldilocks3 acc = outputs[GroupTransition * bs + i] * ((x - gLast) * zinv) + outputs[GroupEvery * bs + i] * zinv;
                if (invFirst != null) acc += outputs[GroupFirst * bs + i] * invFirst[row];
                if (invLast != null) acc += outputs[GroupLast * bs + i] * invLast[row];
                h[row] = acc;
                x *= omega;
            }
            return local;
        }, _ => { });

        // Interpolate H on the sub-coset and cut its coefficients into chunks of n.
        var comps = LogUpBuilder.ToBaseColumns([h]);
        Parallel.For(0, 3, c => Ntt.CosetInverse(comps[c], shift));
        var result = new Goldilocks[chunks * 3][];
        for (int i = 0; i < chunks; i++)
            for (int c = 0; c < 3; c++)
                result[3 * i + c] = comps[c].AsSpan(i * n, n).ToArray();
        if (rejectInvalid && SpotCheck(table, program, result) != true)
        {
            // Either the spot check failed or there was no row to spot-check: find the failing constraint.
            if (ConstraintChecker.Diagnose(table, publicInputs, challenges) is { } error) throw new InvalidWitnessException(error);
            if (SpotCheck(table, program, result) == false)
                throw new InvalidWitnessException($"Table '{def.Name}': the composition polynomial is not of degree < {chunks}·n although every constraint holds on the trace; is a constraint's degree above what the blowup allows?");
        }
        return result;
    }

    /// <summary>
    /// The chunks interpolate H on the sub-coset only; if the witness violates a constraint, H is
    /// not a polynomial of degree &lt; chunks·n and the interpolant misses H elsewhere. Compare both
    /// at an LDE row outside the sub-coset; null when every LDE row is in the sub-coset.
    /// </summary>
    private static bool? SpotCheck(TableState table, ConstraintProgram program, Goldilocks[][] chunks)
    {
        int n = table.Height;
        if (System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(chunks.Length / 3)) * (uint)n >= (uint)table.LdeSize)
            return null; // no LDE row outside the sub-coset
        const int row = 1;
        var outputs = new Goldilocks3[4 * ConstraintProgram.BlockSize];
        program.Evaluate(table.LdeSource(), row, 1, program.CreateScratch(), outputs);
        var x = table.Shift * Goldilocks.RootOfUnity(table.LogLde);
        var d = ConstraintDivisors.InverseAt(x, table.LogHeight);
        int bs = ConstraintProgram.BlockSize;
        var h = outputs[GroupTransition * bs] * d.Transition + outputs[GroupEvery * bs] * d.EveryRow
              + outputs[GroupFirst * bs] * d.FirstRow + outputs[GroupLast * bs] * d.LastRow;
        Goldilocks3 fromChunks = Goldilocks3.Zero;
        Goldilocks xn = x.Pow((ulong)n), xPow = Goldilocks.One;
        for (int i = 0; i < chunks.Length / 3; i++)
        {
            fromChunks += new Goldilocks3(Polynomial.Evaluate(chunks[3 * i], x), Polynomial.Evaluate(chunks[3 * i + 1], x), Polynomial.Evaluate(chunks[3 * i + 2], x)) * xPow;
            xPow *= xn;
        }
        return h == fromChunks;
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
