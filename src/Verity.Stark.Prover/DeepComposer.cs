using Verity.Algebra;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>
/// The FRI input of one table over its LDE coset: the DEEP quotient
/// F(x) = (S(x) + C(x) − S(z) − C(z))/(x − z) + c·(S(x) − S(g·z))/(x − g·z),
/// where S = Σⱼ γⱼ·pⱼ over the trace base columns and C = Σₖ γ_{W+k}·hₖ over the composition
/// chunk columns, with the claimed values taken from the OOD frame the verifier saw, times the
/// degree correction (1 + μ·x). Every column has degree ≤ n − 1, so F has degree ≤ n − 2 and
/// (1 + μ·x)·F degree ≤ n − 1: FRI's bound (degree &lt; n) is then exactly the honest maximum of F
/// (docs/STARK.md, step 9).
/// S and C are formed from the columns' coefficients (n terms per column instead of B·n LDE
/// values), F is computed in coefficient form by synthetic division and extended once: no
/// per-point inversions, and the work over the LDE does not grow with the trace width.
/// </summary>
internal static class DeepComposer
{
    public static Goldilocks3[] Compose(TableState table, Goldilocks3[] weights, Goldilocks3 c, Goldilocks3 mu, Goldilocks3 z)
    {
        var traceCoeffs = table.TraceCoefficients;
        var compCoeffs = table.CompositionCoefficients;
        int wTrace = traceCoeffs.Count;
        int n = table.Height, N = table.LdeSize;
        var (claimZ, claimGz) = DeepCoefficients.Claims(weights, table.OodAtZ, table.OodAtGz, wTrace);

        // Coefficients of S (base columns 0–2) and C (3–5).
        var combined = new Goldilocks[6][];
        for (int i = 0; i < 6; i++) combined[i] = GC.AllocateUninitializedArray<Goldilocks>(n);
        var (w0, w1, w2) = LazyDot.Split(weights);
        const int coeffBlock = 1024;
        Parallel.For(0, (n + coeffBlock - 1) / coeffBlock, b =>
        {
            int start = b * coeffBlock, len = System.Math.Min(coeffBlock, n - start);
            var acc = new LazyAccumulator[len];
            Combine(traceCoeffs, 0, start, acc, w0, w1, w2, combined, 0);
            Array.Clear(acc);
            Combine(compCoeffs, wTrace, start, acc, w0, w1, w2, combined, 3);
        });

        // F in coefficient form: A = S + C − claim_z and B' = S − claim_gz are divisible by
        // (X − z) and (X − g·z) (the claims are their true values), so synthetic division is exact.
        var gz = z * Goldilocks.RootOfUnity(table.LogHeight);
        var a = new Goldilocks3[n];
        var bq = new Goldilocks3[n];
        for (int i = 0; i < n; i++)
        {
            var sv = new Goldilocks3(combined[0][i], combined[1][i], combined[2][i]);
            a[i] = sv + new Goldilocks3(combined[3][i], combined[4][i], combined[5][i]);
            bq[i] = sv;
        }
        a[0] -= claimZ;
        bq[0] -= claimGz;
        var qa = DivideByLinear(a, z);
        var qb = DivideByLinear(bq, gz);
        // F = qa + c·qb has degree ≤ n − 2 (the quotients' top coefficient is zero), so (1 + μ·X)·F,
        // coefficient i being Fᵢ + μ·Fᵢ₋₁, still fits in n coefficients.
        var f = new Goldilocks[3][];
        for (int k = 0; k < 3; k++) f[k] = new Goldilocks[n];
        Goldilocks3 previous = Goldilocks3.Zero;
        for (int i = 0; i < n; i++)
        {
            var fi = qa[i] + c * qb[i];
            var v = fi + mu * previous;
            previous = fi;
            f[0][i] = v.C0; f[1][i] = v.C1; f[2][i] = v.C2;
        }
        if (!previous.IsZero) throw new InvalidOperationException("DEEP: the quotient has degree n − 1 (prover bug).");
        var lde = LowDegreeExtension.ExtendCoefficients(f, table.Blowup, table.Shift);
        var values = lde.Values;
        var result = new Goldilocks3[N];
        Parallel.For(0, (N + 4095) / 4096, blk =>
        {
            int end = System.Math.Min(N, (blk + 1) * 4096);
            for (int row = blk * 4096; row < end; row++) result[row] = new Goldilocks3(values[3 * row], values[3 * row + 1], values[3 * row + 2]);
        });
        return result;
    }

    /// <summary>Quotient of p(X) by (X − r), whose remainder p(r) must be zero (coefficients ascending).</summary>
    private static Goldilocks3[] DivideByLinear(Goldilocks3[] p, Goldilocks3 r)
    {
        int n = p.Length;
        var q = new Goldilocks3[n];
        Goldilocks3 carry = Goldilocks3.Zero;
        for (int i = n - 1; i >= 1; i--)
        {
            carry = p[i] + carry * r;
            q[i - 1] = carry;
        }
        if (p[0] + carry * r != Goldilocks3.Zero) throw new InvalidOperationException("DEEP: a claimed OOD value is not the polynomial's value (prover bug).");
        return q;
    }

    /// <summary>For coefficient indices start..start+acc.Length: Σⱼ weight[offset+j]·columns[j][i], into three base columns.</summary>
    private static void Combine(IReadOnlyList<Goldilocks[]> columns, int weightOffset, int start, LazyAccumulator[] acc,
        Goldilocks[] w0, Goldilocks[] w1, Goldilocks[] w2, Goldilocks[][] output, int outputOffset)
    {
        for (int j = 0; j < columns.Count; j++)
        {
            var col = columns[j].AsSpan(start, acc.Length);
            ulong a = w0[weightOffset + j].Value, b = w1[weightOffset + j].Value, c = w2[weightOffset + j].Value;
            for (int i = 0; i < col.Length; i++) acc[i].Add(col[i].Value, a, b, c);
        }
        for (int i = 0; i < acc.Length; i++)
        {
            var v = acc[i].Reduce();
            output[outputOffset][start + i] = v.C0;
            output[outputOffset + 1][start + i] = v.C1;
            output[outputOffset + 2][start + i] = v.C2;
        }
    }
}
