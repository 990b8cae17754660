using System.Buffers.Binary;
using System.Text;
using Verity.Crypto;
using Verity.Stark.Air.Expressions;

namespace Verity.Stark.Air.Model;

/// <summary>
/// A multi-table algebraic intermediate representation: the statement's constraint system.
/// Its <see cref="Identity"/> (a BLAKE3 digest of a canonical encoding of everything that
/// defines it) is absorbed into every transcript, so a proof for one AIR never verifies for another.
/// </summary>
public sealed class AirDefinition
{
    internal AirDefinition(string name, int publicInputCount, IReadOnlyList<TableDefinition> tables, IReadOnlyList<Interaction> publicInteractions)
    {
        Name = name;
        PublicInputCount = publicInputCount;
        Tables = tables;
        PublicInteractions = publicInteractions;
        Identity = ComputeIdentity();
    }

    public string Name { get; }
    public int PublicInputCount { get; }
    public IReadOnlyList<TableDefinition> Tables { get; }

    /// <summary>
    /// Statement-level terms of local buses (<see cref="AirBuilder.PublicSend"/>): built from constants
    /// and public inputs only, evaluated by the verifier itself and added to the bus balance.
    /// </summary>
    public IReadOnlyList<Interaction> PublicInteractions { get; }

    public Digest Identity { get; }
    public int MaxDegree => Tables.Max(t => t.MaxDegree);

    /// <summary>Any LogUp interaction at all (tables or statement).</summary>
    public bool HasBuses => HasLocalBuses || HasExternalBuses;

    /// <summary>Local buses, balanced inside each proof: some table or the statement uses one.</summary>
    public bool HasLocalBuses => PublicInteractions.Count > 0 || Tables.Any(t => t.HasLocalInteractions);

    /// <summary>External buses: proofs need <see cref="ExternalChallenges"/> and expose their external sum.</summary>
    public bool HasExternalBuses => Tables.Any(t => t.HasExternalInteractions);

    public int TotalConstraints => Tables.Sum(t => t.AllConstraints.Count);

    private Digest ComputeIdentity()
    {
        var w = new CanonicalWriter();
        w.String("verity.air.v2");
        w.String(Name);
        w.U32((uint)PublicInputCount);
        w.U32((uint)Tables.Count);
        foreach (var t in Tables)
        {
            w.String(t.Name);
            w.Byte(t.IsPrecommitted ? (byte)1 : (byte)0);
            w.U32((uint)t.MainWidth);
            w.U32((uint)t.PreprocessedWidth);
            foreach (var col in t.Preprocessed) w.Fields(col);
            w.U32((uint)t.Periodic.Length);
            foreach (var col in t.Periodic) w.Fields(col);
            w.U32((uint)t.AllConstraints.Count);
            foreach (var c in t.AllConstraints)
            {
                w.Byte((byte)c.Domain);
                w.Expression(c.Expression);
            }
            w.Interactions(t.Interactions);
        }
        w.Interactions(PublicInteractions);
        return HashSuites.Blake3.Hash(w.ToArray());
    }

    private sealed class CanonicalWriter
    {
        private readonly List<byte> _bytes = [];
        public void Byte(byte b) => _bytes.Add(b);
        public void U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); _bytes.AddRange(b); }
        public void U64(ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); _bytes.AddRange(b); }
        public void String(string s) { var b = Encoding.UTF8.GetBytes(s); U32((uint)b.Length); _bytes.AddRange(b); }
        public void Fields(Algebra.Goldilocks[] values) { U32((uint)values.Length); foreach (var v in values) U64(v.Value); }

        public void Expression(Expr e)
        {
            Byte((byte)e.Kind);
            switch (e.Kind)
            {
                case ExprKind.Constant: U64(e.Constant.Value); break;
                case ExprKind.Add or ExprKind.Sub or ExprKind.Mul: Expression(e.Left!); Expression(e.Right!); break;
                case ExprKind.Neg: Expression(e.Left!); break;
                default: U32((uint)e.Index); Byte(e.IsNext ? (byte)1 : (byte)0); break;
            }
        }

        public void Interactions(IReadOnlyList<Interaction> interactions)
        {
            U32((uint)interactions.Count);
            foreach (var it in interactions)
            {
                U32((uint)it.Bus);
                Byte((byte)it.Scope);
                Byte(it.IsSend ? (byte)1 : (byte)0);
                Expression(it.Multiplicity);
                U32((uint)it.Values.Count);
                foreach (var v in it.Values) Expression(v);
            }
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
