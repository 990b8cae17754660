using System.Buffers.Binary;
using System.Text;
using Verity.Algebra;
using Verity.Crypto;

namespace Verity.Stark.Air.Transcripts;

/// <summary>
/// The Fiat–Shamir transcript: a hash chain over the proof's hash suite. Every absorbed item is
/// framed with a one-byte tag and its length, so no two absorb sequences encode alike.
/// Drawing flushes pending input into the state (state ← H(state ‖ pending)) and then expands
/// H(state ‖ counter) blocks; field elements are drawn by rejection sampling (no modulo bias).
/// Prover and verifier call the same sequence of methods; any prover message that the verifier
/// uses must pass through here before the challenges that depend on it.
/// </summary>
public sealed class Transcript
{
    private readonly IHashSuite _hash;
    private readonly List<byte> _pending = new(256);
    private Digest _state;
    private ulong _drawCounter;
    private readonly byte[] _block = new byte[Digest.Size];
    private int _blockOffset = Digest.Size;

    public Transcript(IHashSuite hash, string domain)
    {
        _hash = hash;
        _state = hash.Hash(Encoding.UTF8.GetBytes("verity.transcript.v1"));
        AbsorbBytes(Tag.Domain, Encoding.UTF8.GetBytes(domain));
    }

    private enum Tag : byte { Domain = 1, Bytes = 2, U64 = 3, Digest = 4, Base = 5, Ext = 6, Nonce = 7 }

    public void AbsorbBytes(ReadOnlySpan<byte> data) => AbsorbBytes(Tag.Bytes, data);

    private void AbsorbBytes(Tag tag, ReadOnlySpan<byte> data)
    {
        _pending.Add((byte)tag);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)data.Length);
        _pending.AddRange(len);
        _pending.AddRange(data);
        _blockOffset = Digest.Size; // any absorb invalidates buffered challenge bytes
    }

    public void AbsorbU64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        AbsorbBytes(Tag.U64, b);
    }

    public void AbsorbDigest(in Digest d)
    {
        Span<byte> b = stackalloc byte[Digest.Size];
        d.WriteTo(b);
        AbsorbBytes(Tag.Digest, b);
    }

    public void AbsorbBase(ReadOnlySpan<Goldilocks> values)
    {
        var b = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) values[i].WriteTo(b.AsSpan(i * 8));
        AbsorbBytes(Tag.Base, b);
    }

    public void AbsorbExt(ReadOnlySpan<Goldilocks3> values)
    {
        var b = new byte[values.Length * 24];
        for (int i = 0; i < values.Length; i++) values[i].WriteTo(b.AsSpan(i * 24));
        AbsorbBytes(Tag.Ext, b);
    }

    public void AbsorbExt(Goldilocks3 value) => AbsorbExt([value]);

    private void Flush()
    {
        if (_pending.Count == 0) return;
        var buf = new byte[Digest.Size + _pending.Count];
        _state.WriteTo(buf);
        _pending.CopyTo(buf, Digest.Size);
        _state = _hash.Hash(buf);
        _pending.Clear();
        _drawCounter = 0;
        _blockOffset = Digest.Size;
    }

    private ulong NextU64()
    {
        Flush();
        if (_blockOffset + 8 > Digest.Size)
        {
            Span<byte> buf = stackalloc byte[Digest.Size + 8];
            _state.WriteTo(buf);
            BinaryPrimitives.WriteUInt64LittleEndian(buf[Digest.Size..], _drawCounter++);
            _hash.Hash(buf).WriteTo(_block);
            _blockOffset = 0;
        }
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_block.AsSpan(_blockOffset));
        _blockOffset += 8;
        return v;
    }

    /// <summary>A uniformly random base-field element (rejection sampling of 64-bit words).</summary>
    public Goldilocks DrawBase()
    {
        while (true)
        {
            ulong v = NextU64();
            if (v < Goldilocks.Modulus) return new Goldilocks(v);
        }
    }

    public Goldilocks3 DrawExt() => new(DrawBase(), DrawBase(), DrawBase());

    /// <summary>An extension element outside the base field, so it avoids every trace and LDE domain.</summary>
    public Goldilocks3 DrawOutOfDomainPoint()
    {
        while (true)
        {
            var z = DrawExt();
            if (!z.IsBase) return z;
        }
    }

    /// <summary>
    /// Draws <paramref name="count"/> distinct positions in [0, domainSize) (a power of two), uniformly:
    /// each draw masks a fresh 64-bit word, and repeats are redrawn rather than dropped. Sorted ascending.
    /// </summary>
    public int[] DrawQueryPositions(int count, int domainSize)
    {
        if (!int.IsPow2(domainSize)) throw new ArgumentException("Query domain must be a power of two.", nameof(domainSize));
        if (count > domainSize) throw new ArgumentException($"Cannot draw {count} distinct positions from {domainSize}.", nameof(count));
        var set = new HashSet<int>();
        ulong mask = (ulong)domainSize - 1;
        while (set.Count < count) set.Add((int)(NextU64() & mask));
        var result = set.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>Proof of work: H(state ‖ nonce) must start with <paramref name="bits"/> zero bits.</summary>
    public bool CheckGrinding(ulong nonce, int bits) => GrindingDigest(_hash, CurrentState(), nonce).LeadingZeroBits() >= bits;

    /// <summary>The state that grinding is bound to (flushing pending input first).</summary>
    public Digest CurrentState()
    {
        Flush();
        return _state;
    }

    public static Digest GrindingDigest(IHashSuite hash, in Digest state, ulong nonce)
    {
        Span<byte> buf = stackalloc byte[Digest.Size + 9];
        buf[0] = (byte)Tag.Nonce;
        state.WriteTo(buf[1..]);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[(1 + Digest.Size)..], nonce);
        return hash.Hash(buf);
    }

    /// <summary>Searches for a grinding nonce in parallel; returns the smallest found in its batch.</summary>
    public static ulong Grind(IHashSuite hash, Digest state, int bits)
    {
        if (bits == 0) return 0;
        const int batch = 1 << 14;
        for (ulong start = 0; ; start += batch)
        {
            long found = long.MaxValue;
            Parallel.For(0, batch, (i, loop) =>
            {
                ulong nonce = start + (ulong)i;
                if (GrindingDigest(hash, state, nonce).LeadingZeroBits() >= bits)
                {
                    long n = (long)nonce, cur;
                    while (n < (cur = Interlocked.Read(ref found)) && Interlocked.CompareExchange(ref found, n, cur) != cur) { }
                }
            });
            if (found != long.MaxValue) return (ulong)found;
        }
    }

    public void AbsorbNonce(ulong nonce)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, nonce);
        AbsorbBytes(Tag.Nonce, b);
    }
}
