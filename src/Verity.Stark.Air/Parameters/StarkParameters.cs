using System.Buffers.Binary;
using Verity.Crypto;

namespace Verity.Stark.Air.Parameters;

/// <summary>
/// Proof-system parameters. The verifier is always handed the parameters it accepts; it never
/// reads them from a proof (Winterfell GHSA-8fhq-pf83-pv93). A proof carries only a digest of
/// its parameters so that a mismatch can be reported clearly; the transcript binds them anyway.
/// </summary>
public sealed record StarkParameters
{
    public StarkParameters(string name, int blowup, int queries, int grindingBits, int friFoldingArity, int friRemainderMaxDegree, IHashSuite hash, bool isInsecure = false)
    {
        if (blowup is not (2 or 4 or 8 or 16)) throw new ArgumentOutOfRangeException(nameof(blowup), $"Blowup must be 2, 4, 8 or 16, got {blowup}.");
        if (queries is < 1 or > 512) throw new ArgumentOutOfRangeException(nameof(queries), $"Queries must be in 1..512, got {queries}.");
        if (grindingBits is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(grindingBits), $"Grinding bits must be in 0..32, got {grindingBits}.");
        if (friFoldingArity is not (2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(friFoldingArity), $"FRI folding arity must be 2, 4 or 8, got {friFoldingArity}.");
        if (friRemainderMaxDegree < 0 || !int.IsPow2(friRemainderMaxDegree + 1) || friRemainderMaxDegree > 1023)
            throw new ArgumentOutOfRangeException(nameof(friRemainderMaxDegree), $"FRI remainder degree bound must be 2^k − 1 ≤ 1023, got {friRemainderMaxDegree}.");
        Name = name;
        Blowup = blowup;
        Queries = queries;
        GrindingBits = grindingBits;
        FriFoldingArity = friFoldingArity;
        FriRemainderMaxDegree = friRemainderMaxDegree;
        Hash = hash ?? throw new ArgumentNullException(nameof(hash));
        IsInsecure = isInsecure;
    }

    public string Name { get; }
    public int Blowup { get; }
    public int Queries { get; }
    public int GrindingBits { get; }
    public int FriFoldingArity { get; }

    /// <summary>The FRI remainder (final polynomial, sent in the clear) has degree at most this.</summary>
    public int FriRemainderMaxDegree { get; }

    public IHashSuite Hash { get; }

    /// <summary>Marks a set meant only for fast tests; the default verifier refuses it.</summary>
    public bool IsInsecure { get; }

    public int LogBlowup => System.Numerics.BitOperations.Log2((uint)Blowup);

    /// <summary>Field identifier bound in the transcript: Goldilocks with a cubic extension.</summary>
    public const byte FieldId = 1, ExtensionDegree = 3;

    /// <summary>Canonical encoding, absorbed first into every transcript.</summary>
    public byte[] Encode()
    {
        var b = new byte[16];
        b[0] = FieldId;
        b[1] = ExtensionDegree;
        b[2] = Hash.Id;
        b[3] = (byte)Blowup;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), (ushort)Queries);
        b[6] = (byte)GrindingBits;
        b[7] = (byte)FriFoldingArity;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)FriRemainderMaxDegree);
        b[10] = IsInsecure ? (byte)1 : (byte)0;
        return b;
    }

    /// <summary>Digest of <see cref="Encode"/>; a proof carries it only to explain mismatches.</summary>
    public Digest Fingerprint => HashSuites.Blake3.Hash(Encode());

    /// <summary>
    /// Default: blowup 8, 58 queries, 16 grinding bits: ≥ 100 provable bits (list-decoding regime)
    /// for every table of 2^5..2^23 rows with hundreds of constraints and about a thousand committed
    /// base columns (the zkVM segment AIR; docs/STARK.md, docs/SOUNDNESS.md). Preferred over
    /// blowup 4 because its proofs are about a third smaller and the quotient is evaluated on a
    /// sub-coset whose size does not depend on the blowup.
    /// </summary>
    public static StarkParameters Default { get; } = new("default", 8, 58, 16, 4, 127, HashSuites.Blake3);

    /// <summary>Blowup 4, 87 queries, 16 grinding bits: ≥ 100 provable bits for tables of 2^6..2^22 rows, faster LDE and commitments, larger proofs.</summary>
    public static StarkParameters Blowup4 { get; } = new("blowup4", 4, 87, 16, 4, 127, HashSuites.Blake3);

    /// <summary>The default set with Keccak-256 Merkle trees and transcript (for proofs an EVM verifies).</summary>
    public static StarkParameters DefaultKeccak { get; } = new("default-keccak", 8, 58, 16, 4, 127, HashSuites.Keccak256);

    /// <summary>Fast and insecure (a handful of bits): tests only. Refused unless a verifier opts in.</summary>
    public static StarkParameters InsecureTest { get; } = new("insecure-test", 4, 8, 0, 4, 7, HashSuites.Blake3, isInsecure: true);

    public static IReadOnlyList<StarkParameters> Named { get; } = [Default, Blowup4, DefaultKeccak, InsecureTest];

    public static StarkParameters FromName(string name) =>
        Named.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"Unknown parameter set '{name}'. Known: {string.Join(", ", Named.Select(p => p.Name))}.", nameof(name));

    public override string ToString() => $"{Name} (blowup {Blowup}, {Queries} queries, {GrindingBits} grinding bits, FRI arity {FriFoldingArity}, remainder degree ≤ {FriRemainderMaxDegree}, {Hash.Name})";
}
