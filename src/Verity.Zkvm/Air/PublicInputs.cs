using Verity.Algebra;

namespace Verity.Zkvm.Air;

/// <summary>
/// The public inputs of a segment statement, in order. The verifier computes every one of them from the receipt
/// (claim, segment headers and its own position in the run); none is read from a proof.
/// </summary>
public sealed record SegmentStatement
{
    public const int ImageIdWords = 8;
    public const int Count = ImageIdWords + 12;

    public const int SegmentIndexAt = 8, SegmentCountAt = 9, StartPcAt = 10, StartClkAt = 11, EndPcAt = 12, EndClkAt = 13,
        HaltedAt = 14, ExitCodeAt = 15, InputConsumedAt = 16, JournalLengthAt = 17, InputLengthAt = 18, SegmentCyclesAt = 19;

    public required byte[] ImageId { get; init; }
    public required int SegmentIndex { get; init; }
    public required int SegmentCount { get; init; }
    public required uint StartPc { get; init; }
    /// <summary>Clock of the segment's first row: the executor's start cycle + 1.</summary>
    public required long StartClk { get; init; }
    public required uint EndPc { get; init; }
    public required long EndClk { get; init; }
    public required bool Halted { get; init; }
    /// <summary>Exit code, input bytes consumed and journal length; only meaningful (and non-zero) when halted.</summary>
    public uint ExitCode { get; init; }
    public uint InputConsumed { get; init; }
    public uint JournalLength { get; init; }
    /// <summary>Length of the whole input (bounds every read).</summary>
    public required uint InputLength { get; init; }
    /// <summary>Cycles a full segment holds, 2^po2: a syscall the executor shortens fills exactly this many.</summary>
    public required uint SegmentCycles { get; init; }

    /// <summary>The image id as 8 little-endian u32 words (the first public inputs of segment and memory statements).</summary>
    public static Goldilocks[] ImageIdFieldElements(byte[] imageId)
    {
        if (imageId.Length != 32) throw new ArgumentException("An image id has 32 bytes.");
        return [.. Enumerable.Range(0, ImageIdWords).Select(i => new Goldilocks(BitConverter.ToUInt32(imageId, 4 * i)))];
    }

    public Goldilocks[] ToFieldElements()
    {
        var v = new Goldilocks[Count];
        ImageIdFieldElements(ImageId).CopyTo(v, 0);
        v[SegmentIndexAt] = new Goldilocks((ulong)SegmentIndex);
        v[SegmentCountAt] = new Goldilocks((ulong)SegmentCount);
        v[StartPcAt] = new Goldilocks(StartPc);
        v[StartClkAt] = new Goldilocks((ulong)StartClk);
        v[EndPcAt] = new Goldilocks(EndPc);
        v[EndClkAt] = new Goldilocks((ulong)EndClk);
        v[HaltedAt] = Halted ? Goldilocks.One : Goldilocks.Zero;
        v[ExitCodeAt] = new Goldilocks(Halted ? ExitCode : 0);
        v[InputConsumedAt] = new Goldilocks(Halted ? InputConsumed : 0);
        v[JournalLengthAt] = new Goldilocks(Halted ? JournalLength : 0);
        v[InputLengthAt] = new Goldilocks(InputLength);
        v[SegmentCyclesAt] = new Goldilocks(SegmentCycles);
        return v;
    }
}
