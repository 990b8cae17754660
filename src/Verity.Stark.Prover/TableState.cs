using Verity.Algebra;
using Verity.Crypto;
using Verity.Stark.Air.Model;

namespace Verity.Stark.Prover;

/// <summary>Everything the prover holds for one table between phases.</summary>
internal sealed class TableState(TableDefinition definition, Goldilocks[][] main, int logHeight, int logBlowup, int maxLdeLog)
{
    public TableDefinition Definition { get; } = definition;
    public Goldilocks[][] Main { get; } = main;
    public int LogHeight { get; } = logHeight;
    public int Height => 1 << LogHeight;
    public int LogLde { get; } = logHeight + logBlowup;
    public int LdeSize => 1 << LogLde;
    public int Blowup { get; } = 1 << logBlowup;
    public Goldilocks Shift { get; } = Domains.CosetShift(logHeight + logBlowup, maxLdeLog);

    public PreprocessedCommitment? Preprocessed { get; set; }
    public Goldilocks[][] MainCoefficients { get; } = new Goldilocks[main.Length][];
    public RowMajorMatrix MainLde { get; set; } = null!;
    public MerkleTree MainTree { get; set; } = null!;

    public Goldilocks3[][]? AuxColumns { get; set; }
    public Goldilocks[][]? AuxCoefficients { get; set; }
    public RowMajorMatrix? AuxLde { get; set; }
    public MerkleTree? AuxTree { get; set; }
    public Goldilocks3 ClaimedSum { get; set; }
    public Goldilocks3 ExternalSum { get; set; }

    public Goldilocks[][] CompositionCoefficients { get; set; } = null!;
    public RowMajorMatrix CompositionLde { get; set; } = null!;
    public MerkleTree CompositionTree { get; set; } = null!;

    public Goldilocks3[] OodAtZ { get; set; } = null!;
    public Goldilocks3[] OodAtGz { get; set; } = null!;

    /// <summary>Periodic columns over the LDE (period blowup·P).</summary>
    public Goldilocks[][] PeriodicLde { get; set; } = [];

    /// <summary>Coefficients of all trace base columns in commitment order: preprocessed, main, aux.</summary>
    public IReadOnlyList<Goldilocks[]> TraceCoefficients =>
        [.. Preprocessed?.Coefficients ?? [], .. MainCoefficients, .. AuxCoefficients ?? []];

    /// <summary>Rows of the LDE, every <paramref name="stride"/>-th one (a sub-coset when stride divides the blowup).</summary>
    public LdeRowSource LdeSource(int stride = 1) => new(MainLde, Preprocessed?.Lde, AuxLde, PeriodicLde, Blowup, stride);
}
