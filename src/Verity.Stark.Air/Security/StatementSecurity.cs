using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;

namespace Verity.Stark.Air.Security;

/// <summary>The provable security of one table of a statement, at one height.</summary>
/// <param name="Index">Table index in the AIR.</param>
/// <param name="Name">Table name.</param>
/// <param name="LogHeight">The height evaluated (for a range, the one that gives the fewest bits).</param>
/// <param name="Report">The calculator's figures for this table (statement-wide C and P, this table's n).</param>
public sealed record TableSecurity(int Index, string Name, int LogHeight, SecurityReport Report);

/// <summary>The error of one LogUp bus under one pair of challenges (<see cref="SecurityCalculator.LogUpBits"/>).</summary>
/// <param name="Bus">Bus number.</param>
/// <param name="Scope">Local (balanced inside one proof) or external (balanced by the caller across proofs).</param>
/// <param name="Fractions">Fractions on the bus: rows × interactions of every table that uses it, plus statement terms.</param>
/// <param name="FingerprintDegree">Degree of the fingerprint in β: the largest number of values in a tuple on the bus.</param>
/// <param name="Bits">Unrounded bits, −log2(Fractions·(FingerprintDegree + 1)/|F|).</param>
public sealed record BusSecurity(int Bus, BusScope Scope, double Fractions, int FingerprintDegree, double Bits);

/// <summary>
/// Security of one proof of a statement (see <see cref="StatementSecurity"/>). Whole figures are rounded down;
/// <see cref="ProvableBitsExact"/> is the unrounded figure that totals over several proofs add up.
/// </summary>
/// <param name="Tables">Every table's figures.</param>
/// <param name="WeakestTable">The table with the fewest provable bits (the first one on a tie).</param>
/// <param name="LocalBuses">Every local bus's LogUp error term.</param>
/// <param name="LocalLogUpBits">Union of the local buses' terms (unrounded; +∞ without local buses).</param>
/// <param name="ProvableBitsExact">The weakest table's provable bits and the local LogUp terms, as a union bound (unrounded).</param>
/// <param name="ProvableBits"><paramref name="ProvableBitsExact"/> rounded down: what the verifier's minimum applies to.</param>
/// <param name="ConjecturedBits">The weakest table's conjectured bits.</param>
/// <param name="Constraints">Constraints composed (C), LogUp constraints included.</param>
/// <param name="CommittedBaseColumns">Base-field columns the DEEP composition batches (P).</param>
public sealed record StatementSecurityReport(
    IReadOnlyList<TableSecurity> Tables,
    TableSecurity WeakestTable,
    IReadOnlyList<BusSecurity> LocalBuses,
    double LocalLogUpBits,
    double ProvableBitsExact,
    double ProvableBits,
    double ConjecturedBits,
    int Constraints,
    int CommittedBaseColumns)
{
    /// <summary>"'name' at 2^h rows: N provable bits", for messages.</summary>
    public string DescribeWeakestTable() =>
        $"table '{WeakestTable.Name}' at 2^{WeakestTable.LogHeight} rows: {WeakestTable.Report.ProvableBits:F0} provable bits";
}

/// <summary>
/// Security of a parameter set for a concrete statement shape (AIR and table heights).
///
/// A proof's tables share every challenge, the DEEP batching and one FRI, so the calculator is evaluated once per
/// table, each at its own height n (the list-decoding proximity parameter m is limited by n, so a small table gets
/// fewer bits from the same queries: 90 bits at 8 rows with the default parameters), with the statement-wide
/// constraint count C and committed base-column count P (every table's constraints share the composition challenge;
/// the DEEP weights run over every committed column of every table). The proof's figure is the weakest table's,
/// joined by a union bound with the error of its local LogUp buses. External buses are balanced by the caller across
/// proofs (the zkVM's <c>ReceiptSecurity</c> adds them there).
/// </summary>
public static class StatementSecurity
{
    /// <summary>Field size the challenges come from: log2 p of Goldilocks (as the calculator's FieldBits).</summary>
    public const double FieldBits = 64;

    /// <summary>Calculator inputs for one table of height 2^<paramref name="logHeight"/> in <paramref name="air"/>.</summary>
    public static SecurityInputs Inputs(AirDefinition air, StarkParameters parameters, int logHeight)
    {
        ArgumentNullException.ThrowIfNull(air);
        ArgumentNullException.ThrowIfNull(parameters);
        return new(
            FieldBits: FieldBits,
            ExtensionDegree: StarkParameters.ExtensionDegree,
            Blowup: parameters.Blowup,
            Queries: parameters.Queries,
            GrindingBits: parameters.GrindingBits,
            TraceLengthLog2: System.Math.Max(StatementTranscript.MinLogHeight, logHeight),
            NumConstraints: System.Math.Max(1, air.TotalConstraints),
            NumCommittedPolys: CommittedBaseColumns(air),
            MaxConstraintDegree: System.Math.Max(2, air.MaxDegree),
            FriFoldingArity: parameters.FriFoldingArity,
            FriRemainderMaxDegree: parameters.FriRemainderMaxDegree);
    }

    /// <summary>
    /// The base-field columns the DEEP composition batches: per table, preprocessed + main + 3 per extension aux
    /// column + 3 per composition chunk (both are committed, opened and weighted as three base columns each).
    /// </summary>
    public static int CommittedBaseColumns(AirDefinition air)
    {
        ArgumentNullException.ThrowIfNull(air);
        return air.Tables.Sum(t => t.PreprocessedWidth + t.MainWidth + t.AuxBaseWidth + 3 * t.QuotientChunks);
    }

    /// <summary>The figures for one table of <paramref name="air"/> at height 2^<paramref name="logHeight"/>.</summary>
    public static SecurityReport ForTableHeight(AirDefinition air, StarkParameters parameters, int logHeight) =>
        SecurityCalculator.Compute(Inputs(air, parameters, logHeight));

    /// <summary>Security of a proof of <paramref name="air"/> whose tables have the given heights.</summary>
    public static StatementSecurityReport Compute(AirDefinition air, StarkParameters parameters, IReadOnlyList<int> logHeights)
    {
        ArgumentNullException.ThrowIfNull(logHeights);
        return Compute(air, parameters, logHeights, logHeights);
    }

    /// <summary>
    /// The weakest case over table heights in ranges: table t anywhere in 2^minLogHeights[t]..2^maxLogHeights[t]
    /// rows (each table's figure depends only on its own height, so the weakest statement takes each table at its own
    /// weakest height). The LogUp terms are counted at the largest heights, which bound the fractions.
    /// </summary>
    public static StatementSecurityReport Compute(AirDefinition air, StarkParameters parameters, IReadOnlyList<int> minLogHeights, IReadOnlyList<int> maxLogHeights)
    {
        ArgumentNullException.ThrowIfNull(air);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(minLogHeights);
        ArgumentNullException.ThrowIfNull(maxLogHeights);
        if (minLogHeights.Count != air.Tables.Count || maxLogHeights.Count != air.Tables.Count)
            throw new ArgumentException($"AIR '{air.Name}' has {air.Tables.Count} tables; {minLogHeights.Count} and {maxLogHeights.Count} heights were given.");

        var cache = new Dictionary<int, SecurityReport>();
        SecurityReport At(int logHeight)
        {
            if (!cache.TryGetValue(logHeight, out var r)) cache[logHeight] = r = ForTableHeight(air, parameters, logHeight);
            return r;
        }

        var tables = new TableSecurity[air.Tables.Count];
        for (int t = 0; t < tables.Length; t++)
        {
            int lo = minLogHeights[t], hi = maxLogHeights[t];
            if (lo > hi) throw new ArgumentException($"table '{air.Tables[t].Name}': height range 2^{lo}..2^{hi} is empty.");
            int worst = lo;
            for (int h = lo + 1; h <= hi; h++)
                if (At(h).ProvableBitsExact < At(worst).ProvableBitsExact) worst = h;
            tables[t] = new TableSecurity(t, air.Tables[t].Name, worst, At(worst));
        }
        var weakest = tables.Aggregate((a, b) => b.Report.ProvableBitsExact < a.Report.ProvableBitsExact ? b : a);

        var buses = Buses(air, maxLogHeights, BusScope.Local);
        double logUp = SecurityCalculator.UnionBits(buses.Select(b => b.Bits));
        double exact = SecurityCalculator.UnionBits([weakest.Report.ProvableBitsExact, logUp]);
        var inputs = Inputs(air, parameters, weakest.LogHeight);
        return new StatementSecurityReport(tables, weakest, buses, logUp, exact,
            SecurityCalculator.WholeBits(exact), tables.Min(t => t.Report.ConjecturedBits), inputs.NumConstraints, inputs.NumCommittedPolys);
    }

    /// <summary>
    /// The LogUp load of every bus of <paramref name="scope"/> in one proof with these table heights: fractions =
    /// Σ over tables of height × interactions on the bus, plus the statement's public interactions; fingerprint
    /// degree = the most values of any tuple on the bus. In bus order.
    /// </summary>
    public static IReadOnlyList<BusSecurity> Buses(AirDefinition air, IReadOnlyList<int> logHeights, BusScope scope)
    {
        ArgumentNullException.ThrowIfNull(air);
        ArgumentNullException.ThrowIfNull(logHeights);
        var load = new SortedDictionary<int, (double Fractions, int Degree)>();
        void Add(Interaction it, double count)
        {
            var (f, d) = load.GetValueOrDefault(it.Bus);
            load[it.Bus] = (f + count, System.Math.Max(d, it.Values.Count));
        }
        for (int t = 0; t < air.Tables.Count; t++)
            foreach (var it in air.Tables[t].Interactions)
                if (it.Scope == scope) Add(it, System.Math.Pow(2, logHeights[t]));
        foreach (var it in air.PublicInteractions)
            if (it.Scope == scope) Add(it, 1);
        return [.. load.Select(kv => new BusSecurity(kv.Key, scope, kv.Value.Fractions, kv.Value.Degree,
            SecurityCalculator.LogUpBits(FieldBits, StarkParameters.ExtensionDegree, kv.Value.Fractions, kv.Value.Degree)))];
    }

    /// <summary>
    /// The smallest table height 2^h (h ≥ <see cref="StatementTranscript.MinLogHeight"/>) at which a table of
    /// <paramref name="air"/> reaches <paramref name="targetBits"/> provable bits, or null if no height up to
    /// 2^<see cref="StatementTranscript.MaxLogHeight"/> does. Small tables get fewer bits (the proximity parameter m
    /// is bounded by the height), so a prover pads every table at least this high.
    /// </summary>
    public static int? MinLogHeightFor(AirDefinition air, StarkParameters parameters, double targetBits)
    {
        for (int h = StatementTranscript.MinLogHeight; h <= StatementTranscript.MaxLogHeight; h++)
            if (ForTableHeight(air, parameters, h).ProvableBits >= targetBits) return h;
        return null;
    }
}
