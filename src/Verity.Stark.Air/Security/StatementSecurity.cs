using Verity.Stark.Air.Model;
using Verity.Stark.Air.Parameters;

namespace Verity.Stark.Air.Security;

/// <summary>Security of a parameter set for a concrete statement shape (AIR and table heights).</summary>
public static class StatementSecurity
{
    public static SecurityInputs Inputs(AirDefinition air, StarkParameters parameters, IReadOnlyList<int> logHeights) => new(
        FieldBits: 64,
        ExtensionDegree: StarkParameters.ExtensionDegree,
        Blowup: parameters.Blowup,
        Queries: parameters.Queries,
        GrindingBits: parameters.GrindingBits,
        TraceLengthLog2: System.Math.Max(StatementTranscript.MinLogHeight, logHeights.Max()),
        NumConstraints: System.Math.Max(1, air.TotalConstraints),
        NumCommittedPolys: air.Tables.Sum(t => t.PreprocessedWidth + t.MainWidth + t.AuxWidth + t.QuotientChunks),
        MaxConstraintDegree: System.Math.Max(2, air.MaxDegree),
        FriFoldingArity: parameters.FriFoldingArity,
        FriRemainderMaxDegree: parameters.FriRemainderMaxDegree);

    public static SecurityReport Compute(AirDefinition air, StarkParameters parameters, IReadOnlyList<int> logHeights) =>
        SecurityCalculator.Compute(Inputs(air, parameters, logHeights));
}
