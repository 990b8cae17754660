using System.Buffers.Binary;
using Verity.Algebra;
using Verity.Crypto;

namespace Verity.Stark.Air.Proofs;

/// <summary>Raised for proof bytes that cannot be decoded; the message says where and why.</summary>
public sealed class ProofFormatException(string message) : Exception(message);

/// <summary>
/// Binary proof format, version 3 (all integers little-endian; encoded as version 2, see docs/STARK.md):
/// magic "VSTK" · u16 version · 32-byte parameter fingerprint · 32-byte AIR identity ·
/// u8 table count · per table: u8 log height, u8 flags (bit0 aux, bit1 preprocessed, bit2 external
/// sum; bit2 needs bit0), main root, [aux root, claimed sum, [external sum]],
/// composition root, u32+values OOD at z, u32+values OOD at g·z, openings (preprocessed if flag bit1,
/// main, [aux], composition: each u32 value count, values, u32 node count, nodes) ·
/// u8 FRI layer count, roots · u32 remainder length, coefficients · u64 nonce · per layer an opening.
/// Field elements are canonical 8-byte words (24 for extension elements); anything ≥ p is rejected,
/// as are trailing bytes and counts beyond <see cref="MaxCount"/>.
/// </summary>
public static class ProofCodec
{
    private static ReadOnlySpan<byte> Magic => "VSTK"u8;

    private const byte FlagAux = 1, FlagPreprocessed = 2, FlagExternal = 4;

    /// <summary>Upper bound on any count in a proof; keeps a hostile length from allocating gigabytes.</summary>
    public const int MaxCount = 1 << 24;

    public static byte[] Serialize(StarkProof proof)
    {
        var w = new Writer();
        w.Bytes(Magic);
        w.U16(StarkProof.FormatVersion);
        w.Digest(proof.ParametersFingerprint);
        w.Digest(proof.AirIdentity);
        w.U8((byte)proof.Tables.Length);
        foreach (var t in proof.Tables)
        {
            w.U8((byte)t.LogHeight);
            if (t.HasExternalSum && !t.AuxRoot.HasValue)
                throw new ArgumentException("A table with an external sum needs an aux commitment.", nameof(proof));
            byte flags = (byte)((t.AuxRoot.HasValue ? FlagAux : 0) | (t.PreprocessedOpening != null ? FlagPreprocessed : 0) | (t.HasExternalSum ? FlagExternal : 0));
            w.U8(flags);
            w.Digest(t.MainRoot);
            if (t.AuxRoot is { } aux)
            {
                w.Digest(aux);
                w.Ext(t.ClaimedSum);
                if (t.HasExternalSum) w.Ext(t.ExternalSum);
            }
            w.Digest(t.CompositionRoot);
            w.ExtArray(t.OodAtZ);
            w.ExtArray(t.OodAtGz);
            if (t.PreprocessedOpening != null) w.Group(t.PreprocessedOpening);
            w.Group(t.MainOpening);
            if (t.AuxOpening != null) w.Group(t.AuxOpening);
            w.Group(t.CompositionOpening);
        }
        w.U8((byte)proof.FriLayerRoots.Length);
        foreach (var r in proof.FriLayerRoots) w.Digest(r);
        w.ExtArray(proof.FriRemainder);
        w.U64(proof.GrindingNonce);
        foreach (var o in proof.FriOpenings)
        {
            w.ExtArray(o.Values);
            w.Nodes(o.Proof);
        }
        return w.ToArray();
    }

    public static StarkProof Deserialize(ReadOnlySpan<byte> bytes)
    {
        var r = new Reader(bytes);
        if (bytes.Length < 4 || !bytes[..4].SequenceEqual(Magic)) throw new ProofFormatException("Not a Verity STARK proof: bad magic (expected \"VSTK\").");
        r.Skip(4);
        ushort version = r.U16("format version");
        if (version != StarkProof.FormatVersion) throw new ProofFormatException($"Unsupported proof format version {version} (this verifier reads version {StarkProof.FormatVersion}).");
        var pf = r.Digest("parameter fingerprint");
        var air = r.Digest("AIR identity");
        int tableCount = r.U8("table count");
        if (tableCount == 0) throw new ProofFormatException("Proof has no tables.");
        var tables = new TableProof[tableCount];
        for (int i = 0; i < tableCount; i++)
        {
            string at = $"table {i}";
            int logHeight = r.U8($"{at} log height");
            int flags = r.U8($"{at} flags");
            if ((flags & ~(FlagAux | FlagPreprocessed | FlagExternal)) != 0) throw new ProofFormatException($"{at}: unknown flags 0x{flags:x2}.");
            bool hasAux = (flags & FlagAux) != 0, hasExternal = (flags & FlagExternal) != 0;
            if (hasExternal && !hasAux) throw new ProofFormatException($"{at}: flags 0x{flags:x2} announce an external sum without an aux commitment.");
            var main = r.Digest($"{at} main root");
            Digest? aux = null;
            Goldilocks3 sum = default, externalSum = default;
            if (hasAux)
            {
                aux = r.Digest($"{at} aux root");
                sum = r.Ext($"{at} claimed sum");
                if (hasExternal) externalSum = r.Ext($"{at} external sum");
            }
            var comp = r.Digest($"{at} composition root");
            var oodZ = r.ExtArray($"{at} OOD values at z");
            var oodGz = r.ExtArray($"{at} OOD values at g·z");
            var pre = (flags & FlagPreprocessed) != 0 ? r.Group($"{at} preprocessed opening") : null;
            var mainOpen = r.Group($"{at} main opening");
            var auxOpen = hasAux ? r.Group($"{at} aux opening") : null;
            var compOpen = r.Group($"{at} composition opening");
            tables[i] = new TableProof
            {
                LogHeight = logHeight, MainRoot = main, AuxRoot = aux, ClaimedSum = sum, HasExternalSum = hasExternal, ExternalSum = externalSum, CompositionRoot = comp,
                OodAtZ = oodZ, OodAtGz = oodGz, PreprocessedOpening = pre, MainOpening = mainOpen, AuxOpening = auxOpen, CompositionOpening = compOpen,
            };
        }
        int layers = r.U8("FRI layer count");
        var roots = new Digest[layers];
        for (int i = 0; i < layers; i++) roots[i] = r.Digest($"FRI layer {i} root");
        var remainder = r.ExtArray("FRI remainder");
        ulong nonce = r.U64("grinding nonce");
        var openings = new FriLayerOpening[layers];
        for (int i = 0; i < layers; i++)
        {
            var values = r.ExtArray($"FRI layer {i} values");
            openings[i] = new FriLayerOpening(values, r.Nodes($"FRI layer {i} Merkle proof"));
        }
        if (r.Remaining != 0) throw new ProofFormatException($"{r.Remaining} trailing bytes after the proof.");
        return new StarkProof
        {
            ParametersFingerprint = pf, AirIdentity = air, Tables = tables, FriLayerRoots = roots,
            FriRemainder = remainder, GrindingNonce = nonce, FriOpenings = openings,
        };
    }

    private sealed class Writer
    {
        private readonly MemoryStream _s = new();
        public void Bytes(ReadOnlySpan<byte> b) => _s.Write(b);
        public void U8(byte v) => _s.WriteByte(v);
        public void U16(ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); _s.Write(b); }
        public void U32(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)v); _s.Write(b); }
        public void U64(ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); _s.Write(b); }
        public void Digest(in Digest d) { Span<byte> b = stackalloc byte[32]; d.WriteTo(b); _s.Write(b); }
        public void Ext(Goldilocks3 v) { Span<byte> b = stackalloc byte[24]; v.WriteTo(b); _s.Write(b); }
        public void ExtArray(Goldilocks3[] values) { U32(values.Length); foreach (var v in values) Ext(v); }
        public void Group(GroupOpening g)
        {
            U32(g.Values.Length);
            Span<byte> b = stackalloc byte[8];
            foreach (var v in g.Values) { v.WriteTo(b); _s.Write(b); }
            Nodes(g.Proof);
        }
        public void Nodes(MerkleMultiProof p) { U32(p.Nodes.Length); foreach (var n in p.Nodes) Digest(n); }
        public byte[] ToArray() => _s.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly int Remaining => _data.Length - _pos;

        public void Skip(int n) => _pos += n;

        private ReadOnlySpan<byte> Take(int n, string what)
        {
            if (n < 0 || n > Remaining) throw new ProofFormatException($"Proof truncated while reading {what} at byte {_pos} (needs {n} bytes, {Remaining} left).");
            var s = _data.Slice(_pos, n);
            _pos += n;
            return s;
        }

        public byte U8(string what) => Take(1, what)[0];
        public ushort U16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));
        public ulong U64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

        public int Count(string what, int elementSize)
        {
            uint n = BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what + " count"));
            if (n > MaxCount || (long)n * elementSize > Remaining)
                throw new ProofFormatException($"Proof declares {n} items for {what} at byte {_pos - 4}, more than the {Remaining} remaining bytes allow.");
            return (int)n;
        }

        public Digest Digest(string what) => Crypto.Digest.Read(Take(32, what));

        public Goldilocks Base(string what)
        {
            int at = _pos;
            if (!Goldilocks.TryRead(Take(8, what), out var v)) throw new ProofFormatException($"Non-canonical field element in {what} at byte {at}.");
            return v;
        }

        public Goldilocks3 Ext(string what)
        {
            int at = _pos;
            if (!Goldilocks3.TryRead(Take(24, what), out var v)) throw new ProofFormatException($"Non-canonical field element in {what} at byte {at}.");
            return v;
        }

        public Goldilocks3[] ExtArray(string what)
        {
            int n = Count(what, 24);
            var a = new Goldilocks3[n];
            for (int i = 0; i < n; i++) a[i] = Ext(what);
            return a;
        }

        public GroupOpening Group(string what)
        {
            int n = Count(what, 8);
            var values = new Goldilocks[n];
            for (int i = 0; i < n; i++) values[i] = Base(what);
            return new GroupOpening(values, Nodes(what + " Merkle proof"));
        }

        public MerkleMultiProof Nodes(string what)
        {
            int n = Count(what, 32);
            var nodes = new Digest[n];
            for (int i = 0; i < n; i++) nodes[i] = Digest(what);
            return new MerkleMultiProof(nodes);
        }
    }
}
