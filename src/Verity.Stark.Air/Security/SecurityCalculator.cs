namespace Verity.Stark.Air.Security;

// =================================================================================================
// STARK security calculator.
//
// Sources (all formulas below are re-derived from these; see each method for the exact term):
//   [ethSTARK]  StarkWare, "ethSTARK Documentation", eprint 2021/582 — Conjecture 1 / eq. (19)
//               (conjectured security) and Theorem 5 (DEEP-FRI round structure).
//   [BT24]      eprint 2024/1553 — Theorem 2 (round-by-round soundness of the STARK IOP in the
//               list-decoding / Johnson regime) and Theorem 3 (unique-decoding regime).
//   [BGKS22]    eprint 2022/1216 — Theorem 8 and eq. (7): round-by-round soundness of (batched)
//               FRI in the Johnson regime; we use its dominant commit-phase term.
//   [WF]        facebook/winterfell, air/src/proof/security.rs (v0.13 line, with BatchingMethod;
//               commit 30c50536a70388ad940bf77e29f6be1e5fb68a79) — the estimator whose choices
//               (constants, which terms are kept, how grinding is counted, m search range) we follow.
//               Numbers agree with its unit tests (see SecurityCalculatorTests).
//   [zk.md]     shared/reference/zk.md §3.2 (the project's summary and parameter table).
//
// Conventions used throughout:
//   |F|  = size of the extension field the verifier's challenges are drawn from,
//          log2|F| = FieldBits · ExtensionDegree  ("extension field bits", e·log2 p).
//   n    = trace length (2^TraceLengthLog2), the trace domain H.
//   B    = blowup, ρ = 1/B the code rate, N = B·n the LDE domain D.
//   s    = number of FRI queries, g = grinding (proof-of-work) bits.
//   C    = number of constraints composed, P = number of committed polynomials batched into the
//          DEEP composition polynomial, counted as base-field columns: the DEEP weights run over
//          every committed base column, so an extension column (LogUp aux, composition chunk)
//          counts 3 times.
//   k    = number of out-of-domain openings per column: 2 (z and g·z).
//   Every soundness error ε_i is handled as "bits" = −log2 ε_i; the round-by-round soundness of the
//   protocol is the minimum over its rounds.
//
// Batching assumption. We assume ONE challenge is drawn per batching step and its powers are used
// ("algebraic" batching in Winterfell's terms) both to combine the C constraints into the
// composition polynomial and to combine the P committed polynomials into the DEEP polynomial.
// This is also what the zk.md §3.2 table assumes (its numbers depend on C = 300 and P = 400).
// By Schwartz–Zippel a random power combination of C terms can vanish spuriously with
// probability ≤ (C − 1)/|F|, and likewise (P − 1)/|F| for the FRI batching round, so those rounds
// lose log2(C − 1) and log2(P − 1) bits. (Winterfell's "linear" batching, one independent
// challenge per term, has factor 1; that equals our formula at C = 2 / P = 2, which is how the
// tests replay Winterfell's linear-batching test vectors.) Using the algebraic bound is the
// conservative choice: it is valid for either batching method, so a prover that draws
// independent coefficients per term is at least as secure as reported.
//
// Rounding. Every reported number is in whole bits, rounded DOWN (floor), and never negative
// (Winterfell truncates with `as u64`, which saturates negative values at 0). The values are
// returned as doubles only for convenience. The unrounded provable figure and round terms are
// returned too, so that totals (a statement's LogUp buses, a receipt's proofs: UnionBits) are
// added before they are rounded.
//
// Beyond one table. A proof holds several tables and a zkVM receipt several proofs; LogUp buses
// add their own error. StatementSecurity evaluates this calculator per table and adds the LogUp
// terms (LogUpBits); the zkVM's ReceiptSecurity adds the global buses and a union bound over the
// receipt's proofs. docs/SOUNDNESS.md shows the whole calculation for a real receipt.
// =================================================================================================

/// <summary>Everything the security estimate depends on.</summary>
/// <param name="FieldBits">log2 of the base field size (Goldilocks: 64, as Winterfell's MODULUS_BITS).</param>
/// <param name="ExtensionDegree">Degree of the extension the challenges live in (3 for Goldilocks^3).</param>
/// <param name="Blowup">LDE blowup factor B = 1/ρ (power of two, ≥ 2).</param>
/// <param name="Queries">Number of FRI queries s.</param>
/// <param name="GrindingBits">Proof-of-work bits g required before the query seed is drawn.</param>
/// <param name="TraceLengthLog2">log2 of the trace length n of the table evaluated (a multi-table statement is
/// evaluated table by table; see <see cref="StatementSecurity"/>).</param>
/// <param name="NumConstraints">Total number of constraints composed (C).</param>
/// <param name="NumCommittedPolys">All committed polynomials the DEEP composition batches, counted as base-field
/// columns (P): preprocessed + main + 3 per extension aux column + 3 per composition chunk (the DEEP weights run over
/// every committed base column; see <see cref="StatementSecurity.CommittedBaseColumns"/>).</param>
/// <param name="MaxConstraintDegree">Largest constraint degree.</param>
/// <param name="FriFoldingArity">FRI folding factor per layer (power of two, ≥ 2).</param>
/// <param name="FriRemainderMaxDegree">Degree bound of the FRI remainder sent in the clear.</param>
/// <param name="HashCollisionBits">Collision resistance of the commitment hash (128 for 256-bit digests).</param>
public sealed record SecurityInputs(
    double FieldBits,
    int ExtensionDegree,
    int Blowup,
    int Queries,
    int GrindingBits,
    int TraceLengthLog2,
    int NumConstraints,
    int NumCommittedPolys,
    int MaxConstraintDegree,
    int FriFoldingArity,
    int FriRemainderMaxDegree,
    int HashCollisionBits = 128);

/// <summary>
/// Result of <see cref="SecurityCalculator.Compute"/>. All values are whole bits rounded down.
/// </summary>
/// <param name="ConjecturedBits">Security under ethSTARK Conjecture 1 (eq. 19), capped by hash collision bits.</param>
/// <param name="ProvableBits">max(<paramref name="ProvableUniqueDecodingBits"/>, <paramref name="ProvableListDecodingBits"/>).</param>
/// <param name="ProvableUniqueDecodingBits">Provable round-by-round security, unique-decoding regime ([BT24] Thm 3), capped by hash collision bits.</param>
/// <param name="ProvableListDecodingBits">Provable round-by-round security, list-decoding (Johnson) regime ([BT24] Thm 2), at the optimal m, capped by hash collision bits.</param>
/// <param name="ListDecodingM">The Johnson proximity parameter m that maximises the list-decoding bound.</param>
/// <param name="ProvableBitsExact"><paramref name="ProvableBits"/> before rounding down (still capped by the hash):
/// what error terms are added to (<see cref="SecurityCalculator.UnionBits"/>) before a total is rounded.</param>
/// <param name="UniqueDecodingTerms">Each round's bits in the unique-decoding regime (unrounded).</param>
/// <param name="ListDecodingTerms">Each round's bits in the list-decoding regime at <paramref name="ListDecodingM"/> (unrounded).</param>
public sealed record SecurityReport(
    double ConjecturedBits,
    double ProvableBits,
    double ProvableUniqueDecodingBits,
    double ProvableListDecodingBits,
    int ListDecodingM,
    double ProvableBitsExact,
    SecurityTerms UniqueDecodingTerms,
    SecurityTerms ListDecodingTerms)
{
    /// <summary>True when the list-decoding regime gives the provable bound (it does for every 192-bit set shipped).</summary>
    public bool ListDecodingDecides => ProvableListDecodingBits >= ProvableUniqueDecodingBits;

    /// <summary>The round terms of the regime that gives <see cref="ProvableBits"/>.</summary>
    public SecurityTerms DecidingTerms => ListDecodingDecides ? ListDecodingTerms : UniqueDecodingTerms;
}

/// <summary>
/// The bits of each round of the provable bound, unrounded (−log2 of each round's soundness error). The bound is
/// their minimum (round-by-round soundness), capped by the hash's collision resistance.
/// </summary>
/// <param name="Ali">Constraint batching (DEEP-ALI composition challenge): (C − 1)/|F|, times the list size L in the list-decoding regime.</param>
/// <param name="Deep">The out-of-domain point: (d·(n + 1) + n − 1)/|F|, times L² in the list-decoding regime.</param>
/// <param name="Batch">FRI batching / first commit round (correlated agreement over the P batched columns).</param>
/// <param name="Fold">The later FRI folding rounds (unique-decoding regime only; +∞ where not counted).</param>
/// <param name="Query">The query phase with grinding: g − s·log2 α.</param>
public sealed record SecurityTerms(double Ali, double Deep, double Batch, double Fold, double Query)
{
    public double Min => Math.Min(Math.Min(Math.Min(Ali, Deep), Math.Min(Batch, Fold)), Query);
}

/// <summary>
/// Conjectured and provable security estimates for Verity's STARK (DEEP-ALI + batched FRI),
/// following Winterfell's estimator; see the comment block at the top of this file for sources.
/// </summary>
public static class SecurityCalculator
{
    /// <summary>[WF] GRINDING_CONTRIBUTION_FLOOR: grinding is counted in the conjectured bound only
    /// once the queries alone give at least this many bits.</summary>
    private const double GrindingContributionFloor = 80;

    /// <summary>[WF] m_min = 3: smallest Johnson proximity parameter searched ([BT24] Thm 2 needs m ≥ 3).</summary>
    private const int MinProximityParameter = 3;

    /// <summary>[WF] MAX_PROXIMITY_PARAMETER: the m search is capped here; larger m only worsens
    /// the (m + 1/2)^7 FRI commit-phase term, so the optimum lies far below.</summary>
    private const int MaxProximityParameter = 1000;

    /// <summary>Out-of-domain openings per column: T(z) and T(g·z).</summary>
    private const double NumOpenings = 2;

    /// <summary>Computes conjectured and provable security for <paramref name="inputs"/>.</summary>
    /// <exception cref="ArgumentException">Any input is out of range (message names it).</exception>
    public static SecurityReport Compute(SecurityInputs inputs)
    {
        Validate(inputs);

        double conjectured = ConjecturedBits(inputs);

        double collisionCap = inputs.HashCollisionBits;
        var udrTerms = UniqueDecodingTerms(inputs);
        double udr = Math.Min(ToWholeBits(udrTerms.Min), collisionCap);
        var (ldrExact, m) = BestListDecoding(inputs);
        double ldr = Math.Min(ToWholeBits(ldrExact), collisionCap);
        double exact = Math.Min(Math.Max(Math.Max(udrTerms.Min, ldrExact), 0), collisionCap);

        return new SecurityReport(
            ConjecturedBits: conjectured,
            ProvableBits: Math.Max(udr, ldr),
            ProvableUniqueDecodingBits: udr,
            ProvableListDecodingBits: ldr,
            ListDecodingM: m,
            ProvableBitsExact: exact,
            UniqueDecodingTerms: udrTerms,
            ListDecodingTerms: ListDecodingTermsForM(inputs, m));
    }

    /// <summary>
    /// Bits of a LogUp bus under one pair of challenges (γ, β): a bus whose multiset is not balanced still sums to
    /// zero with probability at most M·(k + 1)/|F|, where M is the number of fractions on the bus (every row of every
    /// table that has an interaction on it, plus the statement's or verifier's own terms) and k the degree of the
    /// fingerprint bus + Σᵢ βⁱ⁺¹·vᵢ in β (the number of values in the tuple). Clearing denominators turns the sum into
    /// a non-zero polynomial of degree below M·k in (γ, β) (Schwartz–Zippel), and γ hits one of the M poles with
    /// probability at most M·k/|F| (docs/ZKVM.md "Soundness notes"). Unrounded; +∞ for an empty bus.
    /// </summary>
    public static double LogUpBits(double fieldBits, int extensionDegree, double fractions, int fingerprintDegree)
    {
        if (!double.IsFinite(fieldBits) || fieldBits <= 0) throw new ArgumentException($"fieldBits must be positive, got {fieldBits}.", nameof(fieldBits));
        if (extensionDegree < 1) throw new ArgumentException($"extensionDegree must be at least 1, got {extensionDegree}.", nameof(extensionDegree));
        if (!(fractions >= 0)) throw new ArgumentException($"fractions must be non-negative, got {fractions}.", nameof(fractions));
        if (fingerprintDegree < 1) throw new ArgumentException($"fingerprintDegree must be at least 1, got {fingerprintDegree}.", nameof(fingerprintDegree));
        if (fractions == 0) return double.PositiveInfinity;
        return fieldBits * extensionDegree - Math.Log2(fractions) - Math.Log2(fingerprintDegree + 1.0);
    }

    /// <summary>
    /// Union bound: the bits of "any of these events", −log2 Σᵢ 2^(−bitsᵢ), unrounded (+∞ for none; +∞ terms add
    /// nothing). Two 100-bit terms give 99 bits, a 100-bit and a 160-bit term 100 − 2^−60/ln 2.
    /// </summary>
    public static double UnionBits(IEnumerable<double> bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        // Σ 2^(−bᵢ) = 2^(−min)·Σ 2^(min − bᵢ): factor out the smallest term so nothing underflows.
        var list = bits.ToList();
        if (list.Any(double.IsNaN)) throw new ArgumentException("a term is NaN", nameof(bits));
        double min = list.Count == 0 ? double.PositiveInfinity : list.Min();
        if (double.IsPositiveInfinity(min)) return double.PositiveInfinity;
        double sum = 0;
        foreach (double b in list) sum += Math.Pow(2, min - b);
        return min - Math.Log2(sum);
    }

    /// <summary>Rounds bits down to a whole number, never below 0 (how every reported figure is rounded); +∞ stays +∞.</summary>
    public static double WholeBits(double bits) => double.IsPositiveInfinity(bits) ? bits : ToWholeBits(bits);

    /// <summary>
    /// Smallest query count in 1..<paramref name="maxQueries"/> whose <see cref="SecurityReport.ProvableBits"/>
    /// reaches <paramref name="targetBits"/> (the template's own <c>Queries</c> is ignored).
    /// </summary>
    /// <exception cref="ArgumentException">Invalid template or arguments, or the target is unreachable
    /// with at most <paramref name="maxQueries"/> queries (e.g. the field is too small).</exception>
    public static int MinQueriesForProvableBits(SecurityInputs template, double targetBits, int maxQueries = 1000) =>
        MinQueries(template, targetBits, maxQueries, static r => r.ProvableBits, "provable");

    /// <summary>
    /// Smallest query count in 1..<paramref name="maxQueries"/> whose <see cref="SecurityReport.ConjecturedBits"/>
    /// reaches <paramref name="targetBits"/> (the template's own <c>Queries</c> is ignored).
    /// </summary>
    /// <exception cref="ArgumentException">Invalid template or arguments, or the target is unreachable.</exception>
    public static int MinQueriesForConjecturedBits(SecurityInputs template, double targetBits, int maxQueries = 1000) =>
        MinQueries(template, targetBits, maxQueries, static r => r.ConjecturedBits, "conjectured");

    // ---------------------------------------------------------------------------------------------
    // Query search
    // ---------------------------------------------------------------------------------------------

    private static int MinQueries(SecurityInputs template, double targetBits, int maxQueries, Func<SecurityReport, double> bits, string kind)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (!double.IsFinite(targetBits) || targetBits <= 0)
            throw new ArgumentException($"Target bits must be a positive finite number, got {targetBits}.", nameof(targetBits));
        if (maxQueries < 1)
            throw new ArgumentException($"maxQueries must be at least 1, got {maxQueries}.", nameof(maxQueries));

        // Every bound is non-decreasing in the query count: the query term grows with s and no other
        // term depends on s (for the list-decoding bound, the max over m of non-decreasing functions
        // is non-decreasing). So a binary search over s finds the smallest sufficient count.
        double best = bits(Compute(template with { Queries = maxQueries }));
        if (best < targetBits)
            throw new ArgumentException(
                $"{targetBits} {kind} bits are unreachable: at most {best} bits with {maxQueries} queries " +
                $"(field {template.FieldBits}×{template.ExtensionDegree} bits, blowup {template.Blowup}, " +
                $"hash collision cap {template.HashCollisionBits}).",
                nameof(targetBits));

        int lo = 1, hi = maxQueries; // invariant: hi meets the target
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (bits(Compute(template with { Queries = mid })) >= targetBits) hi = mid;
            else lo = mid + 1;
        }
        return hi;
    }

    // ---------------------------------------------------------------------------------------------
    // Conjectured security — [ethSTARK] Conjecture 1, eq. (19), as estimated by [WF]
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// λ_conj = min( min(e·log2 p, s·log2 B + g') − 1, collision bits ), with g' = g if s·log2 B ≥ 80
    /// else 0 (rounded down).
    /// Under Conjecture 1 each FRI query of a word far from the code passes with probability ρ = 1/B,
    /// so s queries give s·log2 B bits; grinding g bits multiplies the cheating prover's work by 2^g.
    /// The field term bounds all algebraic (challenge) rounds by e·log2 p. The "−1" is ethSTARK's
    /// slack for summing the two error sources (2·max ≥ sum). [WF] credits grinding only when the
    /// queries alone already give ≥ 80 bits (so a tiny query count cannot be "rescued" by grinding),
    /// and (in the v0.13 line) uses the whole extension field size as the field term.
    /// </summary>
    private static double ConjecturedBits(SecurityInputs p)
    {
        double fieldSecurity = p.FieldBits * p.ExtensionDegree;
        double querySecurity = Log2Int(p.Blowup) * (double)p.Queries;
        if (querySecurity >= GrindingContributionFloor)
            querySecurity += p.GrindingBits;
        double bits = Math.Min(fieldSecurity, querySecurity) - 1;
        return Math.Min(ToWholeBits(bits), p.HashCollisionBits);
    }

    // ---------------------------------------------------------------------------------------------
    // Provable security, unique-decoding regime — [BT24] Theorem 3, as estimated by [WF]
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Round-by-round bits in the unique-decoding regime (distance bound δ below (1 − ρ⁺)/2):
    ///   ε_ALI   = (C − 1)/|F|                                   (constraint batching, Schwartz–Zippel)
    ///   ε_DEEP  = (d·(n + k − 1) + (n − 1))/|F|                 (OOD point hits a bad point; |F| − |D ∪ H| ≈ |F|)
    ///   ε_batch = N·(P − 1)/|F|                                 (FRI batching / commit phase, correlated agreement in UDR)
    ///   ε_fold  = (t − 1)·(N + 1)/|F|, for each FRI layer       (t = folding arity; only if there is ≥ 1 layer)
    ///   ε_query = α^s · 2^−g, α = (1 + ρ⁺)/2, ρ⁺ = (n + k)/N     (each query passes w.p. ≤ 1 − δ)
    /// bits = min_i −log2 ε_i (unrounded here).
    /// d is the constraint degree bound used in the DEEP term: [WF] uses B + 1 (the blowup bounds the
    /// constraint degree in Winterfell); we use max(MaxConstraintDegree, B + 1), identical to [WF]
    /// whenever the composition fits the blowup and never smaller than the true degree otherwise.
    /// </summary>
    private static SecurityTerms UniqueDecodingTerms(SecurityInputs p)
    {
        double ext = p.FieldBits * p.ExtensionDegree;
        double n = Math.Pow(2, p.TraceLengthLog2);
        double lde = n * p.Blowup;
        double d = DeepDegreeBound(p);

        double rhoPlus = (n + NumOpenings) / lde;
        double alpha = (1 + rhoPlus) / 2;

        double ali = ext - Math.Log2(BatchingLoss(p.NumConstraints));
        double deep = ext - Math.Log2(d * (n + NumOpenings - 1) + (n - 1));
        double batch = ext - Math.Log2(lde * BatchingLoss(p.NumCommittedPolys));
        double fold = FriLayerCount(p) > 0
            ? ext - Math.Log2((p.FriFoldingArity - 1) * (lde + 1))
            : double.PositiveInfinity;
        double query = QueryBits(p, alpha);

        return new SecurityTerms(ali, deep, batch, fold, query);
    }

    // ---------------------------------------------------------------------------------------------
    // Provable security, list-decoding (Johnson) regime — [BT24] Theorem 2 with [BGKS22], per [WF]
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Maximises f(m) = min(F(m), Q(m)) — the bound of <see cref="ListDecodingTermsForM"/>, F the
    /// field-dependent terms, Q the query term — over the proximity parameter m ∈ [3, m_max),
    /// m_max = min(⌈1 / (2·(√((n + 2)/n) − 1))⌉, 1000) ([WF] compute_upper_m: the largest m for
    /// which the slack η in the proof of [ethSTARK] Thm 1 stays positive; tighter than the bound
    /// stated in [BT24] Thm 2). We additionally skip any m ≥ n/2, where the list-size denominator
    /// ρ − 2m/N is not positive ([WF] scores such an m as 0 bits, so the result is the same).
    ///
    /// [WF] scans every m. We find the same maximum with a bisection, exactly: the list size L and
    /// (m + 1/2)^7 both grow with m, so F is strictly decreasing, while α = (1 + 1/(2m))·√ρ shrinks,
    /// so Q is strictly increasing. Hence f = Q (increasing) before the first m with Q(m) ≥ F(m),
    /// and f = F (decreasing) from there on: the maximum is at that crossing point c or at c − 1.
    /// Returns the unrounded best bits and the m attaining them (the smaller one on a tie).
    /// </summary>
    private static (double Bits, int M) BestListDecoding(SecurityInputs p)
    {
        double n = Math.Pow(2, p.TraceLengthLog2);
        double mMaxExact = Math.Ceiling(1.0 / (2.0 * (Math.Sqrt((n + 2) / n) - 1)));
        // Exclusive upper end: below m_max, and 2m < n so that ρ − 2m/N > 0. For n ≥ 8 this
        // leaves at least m = 3.
        int upper = (int)Math.Min(Math.Min(mMaxExact, MaxProximityParameter), n / 2);

        // First m in [3, upper) with Q(m) ≥ F(m), or upper if there is none.
        int lo = MinProximityParameter, hi = upper;
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            var (field, query) = ListDecodingBoundsForM(p, mid);
            if (query >= field) hi = mid;
            else lo = mid + 1;
        }
        int crossing = lo;

        double bestBits = double.NegativeInfinity;
        int bestM = MinProximityParameter;
        for (int m = Math.Max(MinProximityParameter, crossing - 1); m <= Math.Min(crossing, upper - 1); m++)
        {
            var (field, query) = ListDecodingBoundsForM(p, m);
            double bits = Math.Min(field, query);
            if (bits > bestBits)
            {
                bestBits = bits;
                bestM = m;
            }
        }
        return (bestBits, bestM);
    }

    /// <summary>
    /// Round-by-round bits in the list-decoding regime for a fixed Johnson proximity parameter m
    /// (distance bound δ = 1 − (1 + 1/(2m))·√ρ, just inside the Johnson radius 1 − √ρ):
    ///   L       = m / (ρ − 2m/N)                                  list size ([BT24] Thm 2, from [ethSTARK] Thm 5)
    ///   ε_ALI   = L·(C − 1)/|F|                                   (a list of L candidate codewords, each can be
    ///                                                              made to satisfy the batched constraints)
    ///   ε_DEEP  = L²·(d·(n + k − 1) + (n − 1))/|F|                (pairs of list elements agree at the OOD point)
    ///   ε_batch = (m + 1/2)^7 / (3·ρ^{3/2}) · N² · (P − 1) / |F|  ([BGKS22] eq. (7), dominant first term only,
    ///                                                              with the (P − 1) factor for power batching)
    ///   ε_fold  : the later commit-phase terms are negligible next to ε_batch ([WF], [BGKS22])
    ///   ε_query = α^s · 2^−g, α = (1 + 1/(2m))·√ρ = 1 − δ
    /// bits = min_i −log2 ε_i (unrounded here). d as in <see cref="UniqueDecodingTerms"/>.
        /// </summary>
    private static (double FieldTerms, double QueryTerm) ListDecodingBoundsForM(SecurityInputs p, int mInt)
    {
        var t = ListDecodingTermsForM(p, mInt);
        return (Min(t.Ali, t.Deep, t.Batch), t.Query);
    }

    private static SecurityTerms ListDecodingTermsForM(SecurityInputs p, int mInt)
    {
        double ext = p.FieldBits * p.ExtensionDegree;
        double n = Math.Pow(2, p.TraceLengthLog2);
        double lde = n * p.Blowup;
        double rho = 1.0 / p.Blowup;
        double d = DeepDegreeBound(p);
        double m = mInt;

        double listSize = m / (rho - 2 * m / lde);
        double alpha = (1 + 0.5 / m) * Math.Sqrt(rho);

        double ali = ext - Math.Log2(listSize) - Math.Log2(BatchingLoss(p.NumConstraints));
        double deep = ext - Math.Log2(listSize * listSize * (d * (n + NumOpenings - 1) + (n - 1)));
        double batch = ext - (7 * Math.Log2(m + 0.5) - Math.Log2(3) - 1.5 * Math.Log2(rho)
                              + 2 * Math.Log2(lde) + Math.Log2(BatchingLoss(p.NumCommittedPolys)));
        double query = QueryBits(p, alpha);

        return new SecurityTerms(ali, deep, batch, double.PositiveInfinity, query);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Query round: a word at relative distance ≥ δ from the code passes one query with probability
    /// ≤ α = 1 − δ, s independent queries with α^s, and g grinding bits multiply the attacker's cost
    /// by 2^g ([ethSTARK] grinding lemma). Bits = g − s·log2 α. (Computed as a product of logs, not
    /// log2(α^s), so large s cannot underflow.)
    /// </summary>
    private static double QueryBits(SecurityInputs p, double alpha) =>
        p.GrindingBits - p.Queries * Math.Log2(alpha);

    /// <summary>Schwartz–Zippel loss of batching T terms with powers of one challenge: a degree-(T − 1)
    /// polynomial in the challenge, so T − 1 (at least 1, i.e. no loss for a single term).</summary>
    private static double BatchingLoss(int terms) => Math.Max(terms - 1, 1);

    /// <summary>Degree bound used in the DEEP term; see <see cref="UniqueDecodingTerms"/>.</summary>
    private static double DeepDegreeBound(SecurityInputs p) =>
        Math.Max(p.MaxConstraintDegree, p.Blowup + 1.0);

    /// <summary>Number of FRI folding layers: fold by the arity while the domain is larger than
    /// (remainder degree + 1)·B ([WF] FriOptions::num_fri_layers).</summary>
    private static int FriLayerCount(SecurityInputs p)
    {
        double domain = Math.Pow(2, p.TraceLengthLog2) * p.Blowup;
        double maxRemainderDomain = (p.FriRemainderMaxDegree + 1.0) * p.Blowup;
        int layers = 0;
        while (domain > maxRemainderDomain)
        {
            domain = Math.Floor(domain / p.FriFoldingArity);
            layers++;
        }
        return layers;
    }

    private static double Min(params ReadOnlySpan<double> values)
    {
        double min = double.PositiveInfinity;
        foreach (double v in values) min = Math.Min(min, v);
        return min;
    }

    /// <summary>Rounds down to whole bits, never below 0 (Winterfell's saturating `as u64`).</summary>
    private static double ToWholeBits(double bits) =>
        double.IsNaN(bits) ? 0 : Math.Max(0, Math.Floor(bits));

    private static int Log2Int(int powerOfTwo) => System.Numerics.BitOperations.Log2((uint)powerOfTwo);

    private static void Validate(SecurityInputs p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (!double.IsFinite(p.FieldBits) || p.FieldBits <= 0 || p.FieldBits > 4096)
            throw Bad(nameof(p.FieldBits), $"must be a finite number in (0, 4096], got {p.FieldBits}");
        if (p.ExtensionDegree < 1 || p.ExtensionDegree > 64)
            throw Bad(nameof(p.ExtensionDegree), $"must be in 1..64, got {p.ExtensionDegree}");
        if (p.Blowup < 2 || !int.IsPow2(p.Blowup))
            throw Bad(nameof(p.Blowup), $"must be a power of two ≥ 2, got {p.Blowup}");
        if (p.Queries < 1)
            throw Bad(nameof(p.Queries), $"must be at least 1, got {p.Queries}");
        if (p.GrindingBits < 0 || p.GrindingBits > 64)
            throw Bad(nameof(p.GrindingBits), $"must be in 0..64, got {p.GrindingBits}");
        if (p.TraceLengthLog2 < 3 || p.TraceLengthLog2 > 62)
            throw Bad(nameof(p.TraceLengthLog2), $"must be in 3..62 (traces of at least 8 rows), got {p.TraceLengthLog2}");
        int ldeLog2 = p.TraceLengthLog2 + Log2Int(p.Blowup);
        if (ldeLog2 >= p.FieldBits)
            throw Bad(nameof(p.TraceLengthLog2), $"LDE domain of 2^{ldeLog2} points does not fit in a base field of {p.FieldBits} bits");
        if (p.NumConstraints < 1)
            throw Bad(nameof(p.NumConstraints), $"must be at least 1, got {p.NumConstraints}");
        if (p.NumCommittedPolys < 1)
            throw Bad(nameof(p.NumCommittedPolys), $"must be at least 1, got {p.NumCommittedPolys}");
        if (p.MaxConstraintDegree < 1)
            throw Bad(nameof(p.MaxConstraintDegree), $"must be at least 1, got {p.MaxConstraintDegree}");
        if (p.FriFoldingArity < 2 || !int.IsPow2(p.FriFoldingArity))
            throw Bad(nameof(p.FriFoldingArity), $"must be a power of two ≥ 2, got {p.FriFoldingArity}");
        if (p.FriRemainderMaxDegree < 0)
            throw Bad(nameof(p.FriRemainderMaxDegree), $"must be non-negative, got {p.FriRemainderMaxDegree}");
        if (p.HashCollisionBits < 1)
            throw Bad(nameof(p.HashCollisionBits), $"must be at least 1, got {p.HashCollisionBits}");

        static ArgumentException Bad(string name, string why) =>
            new($"Invalid security inputs: {name} {why}.", name);
    }
}
