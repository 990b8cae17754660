using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Vm;
using Verity.Zkvm.Air;
using Verity.Zkvm.Chips;
using Verity.Zkvm.Witness;

namespace Verity.Zkvm.Memory;

/// <summary>
/// The run's memory table (precommitted): one row per word, in strictly increasing address order, covering every
/// word any segment touches and every image word that is non-zero or read-only. It sends each word's initial
/// version (address, value, ro, time 0) and receives its final version on the global memory bus. Rows flagged as
/// image words are received on the image bus, where the verifier sends exactly the image's non-zero and read-only
/// words; every other row starts at 0 and writable. Distinct addresses mean each word has exactly one initial and
/// one final version, so the segments' boundary rows must chain through every segment in order. Every address is a
/// canonical u32 (two range-checked 16-bit limbs).
/// </summary>
internal sealed class MemoryTableChip : Chip
{
    private readonly int _real, _addr, _value, _ro, _image, _finalValue, _finalTime, _s0, _s1, _aLo, _aHi;

    public MemoryTableChip() : base("memory")
    {
        _real = Layout.Add("real");
        _addr = Layout.Add("address");
        _value = Layout.Add("initial_value");
        _ro = Layout.Add("ro");
        _image = Layout.Add("is_image");
        _finalValue = Layout.Add("final_value");
        _finalTime = Layout.Add("final_time");
        _s0 = Layout.Add("step_lo");
        _s1 = Layout.Add("step_hi");
        _aLo = Layout.Add("address_lo");
        _aHi = Layout.Add("address_hi");
    }

    public override bool Precommitted => true;

    public override void Define(TableBuilder t)
    {
        t.Precommitted();
        Expr real = t.Main(_real), addr = t.Main(_addr), ro = t.Main(_ro), img = t.Main(_image), v = t.Main(_value);
        Gadgets.Boolean(t, "real", real);
        Gadgets.Boolean(t, "ro", ro);
        Gadgets.Boolean(t, "is_image", img);
        t.EveryRow("image rows are real", img * (1 - real));
        t.EveryRow("non-image words start at 0", (1 - img) * v);
        t.EveryRow("non-image words are writable", (1 - img) * ro);
        t.Transition("padding rows stay at the end", (1 - real) * real.Next);
        t.Transition("addresses strictly increase",
            real.Next * (addr.Next - addr - 1 - t.Main(_s0).Next - Gadgets.TwoTo16 * t.Main(_s1).Next));
        Gadgets.Range16(t, real, t.Main(_s0));
        Gadgets.Range16(t, real, t.Main(_s1));
        t.EveryRow("address is a u32", addr - Gadgets.Word(t, real, t.Main(_aLo), t.Main(_aHi)));
        Gadgets.ZeroUnless(t, "padding row", real, _addr, _value, _ro, _image, _finalValue, _finalTime, _s0, _s1, _aLo, _aHi);
        t.FirstRow("no step before the first row", t.Main(_s0));
        t.FirstRow("no step before the first row (hi)", t.Main(_s1));
        t.SendExternal(Buses.GlobalMemory, real, addr, v, ro, Expr.Const(0));
        t.ReceiveExternal(Buses.GlobalMemory, real, addr, t.Main(_finalValue), ro, t.Main(_finalTime));
        t.ReceiveExternal(Buses.ImageWords, img, addr, v, ro);
    }

    public override long Rows(Segment segment) => throw new NotSupportedException("the memory table belongs to the run, not to a segment");

    public override void Fill(TraceColumns trace, SegmentWitness witness, LookupCounts counts) =>
        throw new NotSupportedException("the memory table belongs to the run, not to a segment");

    public void Fill(TraceColumns trace, IReadOnlyList<MemoryWord> words, LookupCounts counts)
    {
        for (int r = 0; r < words.Count; r++)
        {
            var w = words[r];
            trace.Set(_real, r, 1);
            trace.Set(_addr, r, w.Address);
            trace.Set(_aLo, r, w.Address & 0xFFFF); trace.Set(_aHi, r, w.Address >> 16);
            counts.Word(w.Address);
            trace.Set(_value, r, w.InitialValue);
            trace.SetBool(_ro, r, w.ReadOnly);
            trace.SetBool(_image, r, w.IsImageWord);
            trace.Set(_finalValue, r, w.FinalValue);
            trace.Set(_finalTime, r, (ulong)w.FinalTime);
            ulong step = r == 0 ? 0 : w.Address - words[r - 1].Address - 1UL;
            trace.Set(_s0, r, step & 0xFFFF);
            trace.Set(_s1, r, step >> 16);
            counts.Range(step & 0xFFFF);
            counts.Range(step >> 16);
        }
    }
}

/// <summary>One memory-table row: a word's initial version (time 0) and its final version.</summary>
internal readonly record struct MemoryWord(uint Address, uint InitialValue, bool ReadOnly, bool IsImageWord, uint FinalValue, long FinalTime);
