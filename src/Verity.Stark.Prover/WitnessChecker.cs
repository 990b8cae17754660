using Verity.Algebra;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>The verdict of <see cref="WitnessChecker.Check"/>: the first violation found (null when none) and the external sum.</summary>
public sealed record WitnessCheck(string? Error, Goldilocks3 ExternalSum)
{
    public bool IsValid => Error is null;
}

/// <summary>
/// A mock prover: checks a witness against its AIR without committing to anything — every constraint on every row
/// and the balance of the local buses, under LogUp challenges drawn from a seeded generator (a false "valid" has
/// probability about rows/|F³|). It is for debugging circuits and for tests that sweep many witness mutations,
/// where a full proof per mutation would be too slow; it proves nothing to anyone else.
/// </summary>
public static class WitnessChecker
{
    public static WitnessCheck Check(AirDefinition air, IReadOnlyList<Goldilocks[][]> mainTraces, Goldilocks[] publicInputs,
        ExternalChallenges? external = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(air);
        int[] logHeights = StarkProver.ValidateWitness(air, mainTraces, publicInputs);
        if (air.HasExternalBuses != external.HasValue)
            throw new ArgumentException($"AIR '{air.Name}' {(air.HasExternalBuses ? "needs" : "takes no")} external challenges.", nameof(external));
        var rng = new Random(seed);
        Goldilocks3 Draw() => new(Field(rng), Field(rng), Field(rng));
        var challenges = new LogUpChallenges(Draw(), Draw(), external);

        var tables = air.Tables.Select((t, i) => new TableState(t, mainTraces[i], logHeights[i], 0, logHeights.Max())).ToArray();
        var externalSum = Goldilocks3.Zero;
        foreach (var t in tables)
        {
            var def = t.Definition;
            if (def.HasAux)
            {
                try { t.AuxColumns = LogUpBuilder.Build(t, publicInputs, challenges); }
                catch (InvalidOperationException e) { return new WitnessCheck($"Table '{def.Name}': {e.Message}", default); }
                if (def.HasLocalInteractions) t.ClaimedSum = t.AuxColumns[def.LocalSumColumn][t.Height - 1];
                if (def.HasExternalInteractions) t.ExternalSum = t.AuxColumns[def.ExternalSumColumn][t.Height - 1];
            }
            if (ConstraintChecker.Diagnose(t, publicInputs, challenges) is { } error) return new WitnessCheck(error, default);
            externalSum += t.ExternalSum;
        }
        if (air.HasLocalBuses)
        {
            if (!PublicLogUp.TrySum(air, publicInputs, challenges, out var sum)) return new WitnessCheck("a LogUp challenge hit a public fingerprint; use another seed", default);
            foreach (var t in tables) sum += t.ClaimedSum;
            if (!sum.IsZero) return new WitnessCheck("LogUp buses do not balance: some value is sent and not received (or with different multiplicities).", default);
        }
        return new WitnessCheck(null, externalSum);
    }

    private static Goldilocks Field(Random rng) => Goldilocks.FromUInt64((ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40));
}
