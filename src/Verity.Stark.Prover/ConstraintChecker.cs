using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>Finds which constraint a witness violates, and where, for a clear prover error.</summary>
internal static class ConstraintChecker
{
    public static string? Diagnose(TableState table, Goldilocks[] publicInputs, LogUpChallenges challenges)
    {
        var def = table.Definition;
        int n = table.Height;
        var constraints = def.AllConstraints;
        var terms = constraints.Select((c, k) => (c.Expression, k, Goldilocks3.One)).ToList();
        Goldilocks3 claimed = table.ClaimedSum, external = table.ExternalSum;
        var program = new ConstraintProgram(terms, constraints.Count, e => LogUpBuilder.Uniform(e, publicInputs, challenges, claimed, external));
        var source = new TraceRowSource(table.Main, def.Preprocessed, def.Periodic, table.AuxColumns);
        var scratch = program.CreateScratch();
        int bs = ConstraintProgram.BlockSize;
        var outputs = new Goldilocks3[constraints.Count * bs];
        for (int start = 0; start < n; start += bs)
        {
            int count = System.Math.Min(bs, n - start);
            program.Evaluate(source, start, count, scratch, outputs);
            for (int k = 0; k < constraints.Count; k++)
                for (int i = 0; i < count; i++)
                {
                    int row = start + i;
                    bool applies = constraints[k].Domain switch
                    {
                        ConstraintDomain.Transition => row < n - 1,
                        ConstraintDomain.FirstRow => row == 0,
                        ConstraintDomain.LastRow => row == n - 1,
                        _ => true,
                    };
                    if (applies && !outputs[k * bs + i].IsZero)
                        return $"Table '{def.Name}': constraint '{constraints[k].Name}' ({constraints[k].Domain}) fails at row {row}.";
                }
        }
        return null;
    }
}
