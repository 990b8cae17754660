using Verity.Algebra;

namespace Verity.Stark.Prover;

/// <summary>
/// The DEEP quotient of one table over its LDE coset:
/// F(x) = (S(x) + C(x) − S(z) − C(z))/(x − z) + c·(S(x) − S(g·z))/(x − g·z),
/// where S = Σⱼ γⱼ·pⱼ over the trace base columns and C = Σₖ γ_{W+k}·hₖ over the composition
/// chunk columns, with the claimed values taken from the OOD frame the verifier saw.
/// </summary>
internal static class DeepComposer
{
    public static Goldilocks3[] Compose(TableState table, Goldilocks3[] weights, Goldilocks3 c, Goldilocks3 z)
    {
        var pre = table.Preprocessed?.Lde;
        var main = table.MainLde;
        var aux = table.AuxLde;
        var comp = table.CompositionLde;
        int wPre = pre?.Width ?? 0, wMain = main.Width, wAux = aux?.Width ?? 0, wComp = comp.Width;
        int wTrace = wPre + wMain + wAux;
        int N = table.LdeSize;

        Goldilocks3 claimZ = Goldilocks3.Zero, claimGz = Goldilocks3.Zero;
        for (int j = 0; j < wTrace; j++) { claimZ += weights[j] * table.OodAtZ[j]; claimGz += weights[j] * table.OodAtGz[j]; }
        for (int k = 0; k < wComp; k++) claimZ += weights[wTrace + k] * table.OodAtZ[wTrace + k];

        var (w0, w1, w2) = LazyDot.Split(weights);
        var result = new Goldilocks3[N];
        var omega = Goldilocks.RootOfUnity(table.LogLde);
        var shift = table.Shift;
        const int block = 2048;
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

        Parallel.For(0, blocks, b =>
        {
            int start = b * block, end = System.Math.Min(N, start + block);
            for (int row = start; row < end; row++)
            {
                Goldilocks3 s = Goldilocks3.Zero;
                int w = 0;
                if (pre != null) s += LazyDot.BaseExt(pre.Row(row), w0.AsSpan(w), w1.AsSpan(w), w2.AsSpan(w));
                w += wPre;
                s += LazyDot.BaseExt(main.Row(row), w0.AsSpan(w), w1.AsSpan(w), w2.AsSpan(w));
                w += wMain;
                if (aux != null) s += LazyDot.BaseExt(aux.Row(row), w0.AsSpan(w), w1.AsSpan(w), w2.AsSpan(w));
                w += wAux;
                var cval = LazyDot.BaseExt(comp.Row(row), w0.AsSpan(w), w1.AsSpan(w), w2.AsSpan(w));
                result[row] = (s + cval - claimZ) * invZ[row] + c * ((s - claimGz) * (invZ[(row - B) & mask] * gInv));
            }
        });
        return result;
    }
}
