using Verity.Algebra;

namespace Verity.Stark.Prover;

/// <summary>
/// The DEEP quotient of one table over its LDE coset:
/// F(x) = (S(x) + C(x) − S(z) − C(z))/(x − z) + c·(S(x) − S(g·z))/(x − g·z),
/// where S = Σⱼ γⱼ·pⱼ over the trace base columns and C = Σₖ γ_{W+k}·hₖ over the composition
/// chunk columns, with the claimed values taken from the OOD frame the verifier saw.
/// S and C are formed from the columns' coefficients (n terms per column instead of B·n LDE
/// values) and then extended once, so the per-point work does not grow with the trace width.
/// </summary>
internal static class DeepComposer
{
    public static Goldilocks3[] Compose(TableState table, Goldilocks3[] weights, Goldilocks3 c, Goldilocks3 z)
    {
        var traceCoeffs = table.TraceCoefficients;
        var compCoeffs = table.CompositionCoefficients;
        int wTrace = traceCoeffs.Count, wComp = compCoeffs.Length;
        int n = table.Height, N = table.LdeSize;

        Goldilocks3 claimZ = Goldilocks3.Zero, claimGz = Goldilocks3.Zero;
        for (int j = 0; j < wTrace; j++) { claimZ += weights[j] * table.OodAtZ[j]; claimGz += weights[j] * table.OodAtGz[j]; }
        for (int k = 0; k < wComp; k++) claimZ += weights[wTrace + k] * table.OodAtZ[wTrace + k];

        // Coefficients of S and C (extension), as six base columns, then their LDE.
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
        var lde = LowDegreeExtension.ExtendCoefficients(combined, table.Blowup, table.Shift);

        var result = new Goldilocks3[N];
        var omega = Goldilocks.RootOfUnity(table.LogLde);
        var shift = table.Shift;
        const int block = 4096;
        int blocks = (N + block - 1) / block;

        // 1/(x − z) for every LDE point. Since x/g is the LDE point B rows earlier,
        // 1/(x − g·z) = g⁻¹/(x/g − z) reuses the same inverses: one batch inversion, not two.
        var invZ = new Goldilocks3[N];
        Parallel.For(0, blocks, b =>
        {
            int start = b * block, end = System.Math.Min(N, start + block);
            var x = shift * omega.Pow((ulong)start);
            for (int i = start; i < end; i++) { invZ[i] = (Goldilocks3)x - z; x *= omega; }
            BatchInverse.InvertInPlace(invZ.AsSpan(start, end - start));
        });
        var gInv = Goldilocks.RootOfUnity(table.LogHeight).Inverse();
        int B = table.Blowup, mask = N - 1;
        var values = lde.Values;
        Parallel.For(0, blocks, b =>
        {
            int start = b * block, end = System.Math.Min(N, start + block);
            for (int row = start; row < end; row++)
            {
                int at = row * 6;
                var s = new Goldilocks3(values[at], values[at + 1], values[at + 2]);
                var cval = new Goldilocks3(values[at + 3], values[at + 4], values[at + 5]);
                result[row] = (s + cval - claimZ) * invZ[row] + c * ((s - claimGz) * (invZ[(row - B) & mask] * gInv));
            }
        });
        return result;
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
