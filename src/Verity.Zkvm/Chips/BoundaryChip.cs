using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Chips;

/// <summary>
/// The segment's memory boundary (precommitted): one row per word the segment touches, in strictly increasing
/// address order, with the value before the segment and the value and time of its last access.
/// Locally it adds the initial version at the boundary time 4·start_clk − 1 and removes the final version, closing
/// the segment's offline memory check. Globally it receives the initial version with the time of the word's last
/// access in an earlier segment (t_g &lt; 4·start_clk − 1, checked with three 16-bit limbs) and sends the final
/// version: with the run's memory table these chain every word from its initial value through every segment.
/// Every address is a canonical u32 (two range-checked 16-bit limbs), so no row can stand for a word past 2^32.
/// </summary>
internal sealed class BoundaryChip : PrecommittedChip
{
    private readonly int _real, _addr, _ro, _vInit, _tGlobal, _vFinal, _tFinal, _g0, _g1, _g2, _s0, _s1, _aLo, _aHi;

    public BoundaryChip() : base("boundary")
    {
        _real = Layout.Add("real");
        _addr = Layout.Add("address");
        _ro = Layout.Add("ro");
        _vInit = Layout.Add("value_before");
        _tGlobal = Layout.Add("time_before");
        _vFinal = Layout.Add("value_after");
        _tFinal = Layout.Add("time_after");
        _g0 = Layout.Add("age0");
        _g1 = Layout.Add("age1");
        _g2 = Layout.Add("age2");
        _s0 = Layout.Add("step_lo");
        _s1 = Layout.Add("step_hi");
        _aLo = Layout.Add("address_lo");
        _aHi = Layout.Add("address_hi");
    }

    public override void Define(TableBuilder t)
    {
        t.Precommitted();
        Expr real = t.Main(_real), addr = t.Main(_addr), ro = t.Main(_ro);
        Gadgets.Boolean(t, "real", real);
        Gadgets.Boolean(t, "ro", ro);
        t.Transition("padding rows stay at the end", (1 - real) * real.Next);
        t.Transition("addresses strictly increase",
            real.Next * (addr.Next - addr - 1 - t.Main(_s0).Next - Gadgets.TwoTo16 * t.Main(_s1).Next));
        Expr boundaryTime = 4 * t.PublicInput(SegmentStatement.StartClkAt) - 1;
        t.EveryRow("initial version is older than the segment",
            real * (boundaryTime - t.Main(_tGlobal) - t.Main(_g0) - Gadgets.TwoTo16 * t.Main(_g1) - Gadgets.TwoTo32 * t.Main(_g2)));
        t.EveryRow("address is a u32", addr - Gadgets.Word(t, real, t.Main(_aLo), t.Main(_aHi)));
        foreach (int c in new[] { _g0, _g1, _g2, _s0, _s1 }) Gadgets.Range16(t, real, t.Main(c));
        Gadgets.ZeroUnless(t, "padding row", real, _addr, _ro, _vInit, _tGlobal, _vFinal, _tFinal, _g0, _g1, _g2, _s0, _s1, _aLo, _aHi);
        t.FirstRow("no step before the first row", t.Main(_s0));
        t.FirstRow("no step before the first row (hi)", t.Main(_s1));

        t.Send(Buses.Memory, real, addr, t.Main(_vInit), ro, boundaryTime);
        t.Receive(Buses.Memory, real, addr, t.Main(_vFinal), ro, t.Main(_tFinal));
        t.ReceiveExternal(Buses.GlobalMemory, real, addr, t.Main(_vInit), ro, t.Main(_tGlobal));
        t.SendExternal(Buses.GlobalMemory, real, addr, t.Main(_vFinal), ro, t.Main(_tFinal));
    }

    public override long Rows(Segment segment) => segment.InitialWords.Count;

    public override void Fill(TraceColumns trace, SegmentBoundary b, LookupCounts counts)
    {
        var first = b.Segment.InitialWords;
        var last = b.Segment.FinalWords;
        for (int r = 0; r < first.Count; r++)
        {
            uint a = first[r].Address;
            if (last[r].Address != a) throw new InvalidOperationException("boundary tables disagree on the touched words");
            trace.Set(_real, r, 1);
            trace.Set(_addr, r, a);
            trace.Set(_aLo, r, a & 0xFFFF); trace.Set(_aHi, r, a >> 16);
            counts.Word(a);
            trace.SetBool(_ro, r, b.IsReadOnly(a));
            trace.Set(_vInit, r, first[r].Value);
            trace.Set(_tGlobal, r, (ulong)b.GlobalPreviousTimes[r]);
            trace.Set(_vFinal, r, last[r].Value);
            trace.Set(_tFinal, r, (ulong)(last[r].Timestamp + 4));
            long age = b.BoundaryTime - b.GlobalPreviousTimes[r];
            if (age < 0 || age >= 1L << 48) throw new InvalidOperationException($"word 0x{a:x8}: previous access time {b.GlobalPreviousTimes[r]} is not before the segment");
            ulong g0 = (ulong)age & 0xFFFF, g1 = ((ulong)age >> 16) & 0xFFFF, g2 = (ulong)age >> 32;
            trace.Set(_g0, r, g0); trace.Set(_g1, r, g1); trace.Set(_g2, r, g2);
            counts.Range(g0); counts.Range(g1); counts.Range(g2);
            ulong step = r == 0 ? 0 : a - first[r - 1].Address - 1UL;
            trace.Set(_s0, r, step & 0xFFFF); trace.Set(_s1, r, step >> 16);
            counts.Range(step & 0xFFFF); counts.Range(step >> 16);
        }
    }
}
