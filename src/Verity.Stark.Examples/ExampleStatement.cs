using Verity.Algebra;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Examples;

/// <summary>An AIR together with a witness and the public inputs it proves.</summary>
public sealed record ExampleStatement(AirDefinition Air, Goldilocks[][][] Traces, Goldilocks[] PublicInputs, string Description)
{
    /// <summary>Trace cells over all tables (main columns × height).</summary>
    public long Cells => Traces.Sum(t => (long)t.Length * (t.Length > 0 ? t[0].Length : 0));
}
