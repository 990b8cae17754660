using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Verity.Crypto;

/// <summary>
/// Incremental BLAKE3: feed input with <see cref="Update"/> in pieces of any size, then read any number of
/// output bytes with <see cref="Finalize(Span{byte})"/>. The result equals the one-shot functions of
/// <see cref="Blake3"/> on the concatenated input. Finalizing does not change the state, so more input may follow.
/// </summary>
public sealed class Blake3Hasher
{
    private HasherCore _core;

    /// <summary>A hasher in plain hash mode.</summary>
    public Blake3Hasher()
    {
        Words8 iv = Words8.IV;
        _core.Init(in iv, 0);
    }

    private Blake3Hasher(in Words8 key, uint flags) => _core.Init(in key, flags);

    /// <summary>A hasher in keyed-hash mode with a 32-byte key.</summary>
    public static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key) => new(Words8.FromKey(key), Blake3.KeyedHashFlag);

    /// <summary>A hasher in key-derivation mode for the given context string; the input is the key material.</summary>
    public static Blake3Hasher CreateDeriveKey(string context) => new(Blake3.DeriveContextKey(context), Blake3.DeriveKeyMaterial);

    /// <summary>Total number of input bytes absorbed so far.</summary>
    public ulong Length => _core.Length;

    /// <summary>Absorbs more input.</summary>
    public Blake3Hasher Update(ReadOnlySpan<byte> input)
    {
        _core.Update(input);
        return this;
    }

    /// <summary>Writes <c>output.Length</c> bytes of output for the input absorbed so far.</summary>
    public void Finalize(Span<byte> output) => _core.Finalize(output);

    /// <summary>The 32-byte digest of the input absorbed so far.</summary>
    public Digest FinalizeDigest()
    {
        Span<byte> bytes = stackalloc byte[Blake3.OutputSize];
        _core.Finalize(bytes);
        return Digest.Read(bytes);
    }

    /// <summary>Forgets all input, keeping the mode and key.</summary>
    public void Reset() => _core.Reset();
}

/// <summary>Up to 54 chaining values: enough for 2^64 bytes of input (2^54 chunks).</summary>
[InlineArray(54)]
internal struct CvStack
{
    private Words8 _e0;
}

/// <summary>
/// The incremental hashing state (spec §5.1): the current chunk and a stack of subtree chaining values. A chunk's
/// chaining value is merged into the stack lazily, only once more input arrives, because the last chunk must be
/// finalized as the root when no more follows.
/// </summary>
internal struct HasherCore
{
    private Words8 _key;
    private uint _flags;
    private Words8 _chunkCv;
    private ulong _chunkCounter;
    private Bytes64 _block;
    private int _blockLen;
    private int _blocksCompressed;
    private CvStack _stack;
    private int _stackLen;

    public void Init(in Words8 key, uint flags)
    {
        _key = key;
        _flags = flags;
        Reset();
    }

    public void Reset()
    {
        _chunkCv = _key;
        _chunkCounter = 0;
        _blockLen = 0;
        _blocksCompressed = 0;
        _stackLen = 0;
    }

    private readonly int ChunkLength => _blocksCompressed * Blake3.BlockLen + _blockLen;

    public readonly ulong Length => _chunkCounter * Blake3.ChunkLen + (ulong)ChunkLength;

    private readonly uint StartFlag => _blocksCompressed == 0 ? Blake3.ChunkStart : 0;

    public void Update(ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            if (ChunkLength == Blake3.ChunkLen)
            {
                // The chunk is complete and more input follows, so it is not the root.
                Words8 cv = _chunkCv;
                Compress(ref cv, ref _block[0], _chunkCounter, Blake3.BlockLen, _flags | StartFlag | Blake3.ChunkEnd);
                PushChunkCv(cv, _chunkCounter + 1);
                _chunkCounter++;
                _chunkCv = _key;
                _blockLen = 0;
                _blocksCompressed = 0;
            }

            if (ChunkLength == 0 && input.Length > Blake3.ChunkLen)
            {
                input = input[HashWholeChunks(input)..];
                continue;
            }

            if (_blockLen == Blake3.BlockLen)
            {
                Compress(ref _chunkCv, ref _block[0], _chunkCounter, Blake3.BlockLen, _flags | StartFlag);
                _blocksCompressed++;
                _blockLen = 0;
            }

            // Full blocks straight from the input while they are certainly not the chunk's last block
            // (more input follows and the block is not the chunk's 16th).
            while (_blockLen == 0 && input.Length > Blake3.BlockLen && _blocksCompressed < Blake3.ChunkLen / Blake3.BlockLen - 1)
            {
                Compress(ref _chunkCv, ref MemoryMarshal.GetReference(input), _chunkCounter, Blake3.BlockLen, _flags | StartFlag);
                _blocksCompressed++;
                input = input[Blake3.BlockLen..];
            }

            int take = Math.Min(Blake3.BlockLen - _blockLen, input.Length);
            input[..take].CopyTo(((Span<byte>)_block)[_blockLen..]);
            _blockLen += take;
            input = input[take..];
        }
    }

    /// <summary>
    /// At a chunk boundary with more than one chunk of input left: hashes whole chunks that are certainly not
    /// the last (several in SIMD lanes when possible) and returns the number of bytes consumed.
    /// </summary>
    private int HashWholeChunks(ReadOnlySpan<byte> input)
    {
        int lanes = Blake3Lanes.ChunkLanesFor(input.Length);
        if (lanes > 1)
        {
            Span<byte> cvs = stackalloc byte[Blake3Lanes.MaxLanes * Blake3.OutputSize];
            Blake3Lanes.HashChunks(input, lanes, in _key, _flags, _chunkCounter, cvs);
            if (_chunkCounter % (ulong)lanes == 0)
            {
                // The batch is a complete subtree of the tree (the count before it is a multiple of its size):
                // reduce it in lanes too, then add its root as one entry counted in units of `lanes` chunks.
                Span<byte> parents = stackalloc byte[Blake3Lanes.MaxLanes / 2 * Blake3.OutputSize];
                for (int n = lanes / 2; n >= 1; n /= 2)
                {
                    Blake3Lanes.Parents(cvs, n, in _key, _flags, parents);
                    parents[..(n * Blake3.OutputSize)].CopyTo(cvs);
                }
                _chunkCounter += (ulong)lanes;
                PushChunkCv(ReadCv(cvs), _chunkCounter >> BitOperations.Log2((uint)lanes));
            }
            else
            {
                for (int i = 0; i < lanes; i++)
                {
                    PushChunkCv(ReadCv(cvs[(i * Blake3.OutputSize)..]), _chunkCounter + 1);
                    _chunkCounter++;
                }
            }
            return lanes * Blake3.ChunkLen;
        }

        ref byte p = ref MemoryMarshal.GetReference(input);
        Words8 chunkCv = _key;
        const int blocks = Blake3.ChunkLen / Blake3.BlockLen;
        for (int b = 0; b < blocks; b++)
        {
            uint f = _flags | (b == 0 ? Blake3.ChunkStart : 0) | (b == blocks - 1 ? Blake3.ChunkEnd : 0);
            Compress(ref chunkCv, ref Unsafe.Add(ref p, b * Blake3.BlockLen), _chunkCounter, Blake3.BlockLen, f);
        }
        PushChunkCv(chunkCv, _chunkCounter + 1);
        _chunkCounter++;
        return Blake3.ChunkLen;
    }

    private static Words8 ReadCv(Span<byte> bytes)
    {
        Words8 cv = default;
        for (int w = 0; w < 8; w++)
            cv[w] = Blake3.LoadWord(ref bytes[0], w);
        return cv;
    }

    /// <summary>
    /// Adds a completed chunk's chaining value (or a complete subtree's, with the count in units of its size). Every trailing zero bit of the total chunk count marks a
    /// completed subtree whose two halves are merged into their parent.
    /// </summary>
    private void PushChunkCv(Words8 cv, ulong totalChunks)
    {
        while ((totalChunks & 1) == 0)
        {
            cv = ParentCv(in _stack[--_stackLen], in cv, in _key, _flags);
            totalChunks >>= 1;
        }
        _stack[_stackLen++] = cv;
    }

    private static Words8 ParentCv(in Words8 left, in Words8 right, in Words8 key, uint flags)
    {
        Bytes64 block = default;
        ParentBlock(in left, in right, ref block);
        Words8 cv = key;
        Compress(ref cv, ref block[0], 0, Blake3.BlockLen, flags | Blake3.Parent);
        return cv;
    }

    private static void ParentBlock(in Words8 left, in Words8 right, ref Bytes64 block)
    {
        Span<byte> b = block;
        left.WriteTo(b);
        right.WriteTo(b[Blake3.OutputSize..]);
    }

    private static void Compress(ref Words8 cv, ref byte block, ulong counter, uint blockLen, uint flags) =>
        Blake3.Compress(ref cv[0], ref block, counter, blockLen, flags, ref cv[0], extended: false);

    public readonly void Finalize(Span<byte> output)
    {
        // The current chunk's output, then up the stack: each level's output becomes the right child of a parent.
        Words8 inputCv = _chunkCv;
        Bytes64 block = _block;
        ((Span<byte>)block)[_blockLen..].Clear();
        ulong counter = _chunkCounter;
        uint blockLen = (uint)_blockLen;
        uint flags = _flags | StartFlag | Blake3.ChunkEnd;

        for (int i = _stackLen - 1; i >= 0; i--)
        {
            Words8 cv = inputCv;
            Compress(ref cv, ref block[0], counter, blockLen, flags);
            ParentBlock(in _stack[i], in cv, ref block);
            inputCv = _key;
            counter = 0;
            blockLen = Blake3.BlockLen;
            flags = _flags | Blake3.Parent;
        }

        Blake3.RootOutput(ref inputCv[0], ref block[0], blockLen, flags, output);
    }
}
