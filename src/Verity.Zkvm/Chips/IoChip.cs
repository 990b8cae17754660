using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// The bytes the segment's read and journal-write syscalls moved (precommitted): one row (kind, offset, byte) per
/// byte, kind 0 for input and 1 for the journal. Locally each row is received from the syscall row that moved the
/// byte; globally it is sent to the verifier, who receives exactly the claim's journal and the consumed input, once
/// per offset — so the bytes a guest reads are the input's, and the journal holds exactly what it wrote.
/// </summary>
internal sealed class IoChip : PrecommittedChip
{
    public const int InputKind = 0, JournalKind = 1;
    private readonly int _real, _kind, _offset, _byte;

    public IoChip() : base("io")
    {
        _real = Layout.Add("real");
        _kind = Layout.Add("kind");
        _offset = Layout.Add("offset");
        _byte = Layout.Add("byte");
    }

    public override void Define(TableBuilder t)
    {
        t.Precommitted();
        Expr real = t.Main(_real);
        Gadgets.Boolean(t, "real", real);
        Gadgets.Boolean(t, "kind", t.Main(_kind));
        Gadgets.ZeroUnless(t, "padding row", real, _kind, _offset, _byte);
        t.Receive(Buses.Io, real, t.Main(_kind), t.Main(_offset), t.Main(_byte));
        t.SendExternal(Buses.GlobalIo, real, t.Main(_kind), t.Main(_offset), t.Main(_byte));
    }

    public override long Rows(Segment segment) =>
        segment.EndInputOffset - segment.InputOffset + segment.EndJournalLength - segment.JournalLength;

    public override void Fill(TraceColumns trace, SegmentBoundary b, LookupCounts counts)
    {
        int r = 0;
        void Rows(int kind, long start, byte[] bytes)
        {
            for (int i = 0; i < bytes.Length; i++, r++)
            {
                trace.Set(_real, r, 1);
                trace.Set(_kind, r, (ulong)kind);
                trace.Set(_offset, r, (ulong)(start + i));
                trace.Set(_byte, r, bytes[i]);
            }
        }
        Rows(InputKind, b.Segment.InputOffset, b.InputBytes);
        Rows(JournalKind, b.Segment.JournalLength, b.JournalBytes);
    }
}
