using Verity.Vm;

namespace Verity.Zkvm.Witness;

/// <summary>
/// What phase 1 knows about a segment, enough to fill its precommitted tables: the boundary words (from the phase-1
/// run), for each first-accessed word the AIR time of its last access in an earlier segment (0 when the memory
/// table's initial value is the one read), the IO bytes the segment moved, which addresses are read-only, and the
/// run's segment size 2^SegmentPo2.
/// </summary>
internal sealed record SegmentBoundary(Segment Segment, long[] GlobalPreviousTimes, byte[] InputBytes, byte[] JournalBytes, long InputLength, Func<uint, bool> IsReadOnly, int SegmentPo2)
{
    public long StartClk => Segment.StartCycle + 1;
    public long BoundaryTime => 4 * StartClk - 1;
}
