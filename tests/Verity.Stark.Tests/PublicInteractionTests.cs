using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Air.Model;
using Verity.Stark.Prover;
using static Verity.Stark.Tests.StarkTestKit;

namespace Verity.Stark.Tests;

/// <summary>
/// Statement-level bus terms: a segment receives its start state (pc, clock) from the statement
/// and sends its end state back; the verifier evaluates both terms from the public inputs.
/// </summary>
public class PublicInteractionTests
{
    private const int StateBus = 1;

    /// <summary>Public inputs: start pc, start clock, end pc, end clock. Each row steps pc by 4 and the clock by 1.</summary>
    private static readonly AirDefinition Chain = BuildChain();

    private static AirDefinition BuildChain()
    {
        var b = new AirBuilder("state-chain", publicInputCount: 4);
        var t = b.Table("steps", mainWidth: 2);
        Expr pc = t.Main(0), clock = t.Main(1);
        t.Receive(StateBus, Expr.Const(1), pc, clock);
        t.Send(StateBus, Expr.Const(1), pc + 4, clock + 1);
        b.PublicSend(StateBus, Expr.Const(1), Expr.PublicInput(0), Expr.PublicInput(1));
        b.PublicReceive(StateBus, Expr.Const(1), Expr.PublicInput(2), Expr.PublicInput(3));
        return b.Build();
    }

    private static (Goldilocks[][][] Traces, Goldilocks[] Public) ChainWitness(int logRows, ulong startPc, ulong startClock)
    {
        int n = 1 << logRows;
        var pc = new Goldilocks[n];
        var clock = new Goldilocks[n];
        for (int i = 0; i < n; i++) { pc[i] = new Goldilocks(startPc + 4UL * (ulong)i); clock[i] = new Goldilocks(startClock + (ulong)i); }
        return ([[pc, clock]], [new(startPc), new(startClock), new(startPc + 4UL * (ulong)n), new(startClock + (ulong)n)]);
    }

    [Fact]
    public void Segment_receiving_its_start_and_sending_its_end_verifies()
    {
        var (traces, pub) = ChainWitness(5, 0x1000, 77);
        Assert.True(Assert.Single(Chain.Tables[0].LogUpHelpers).IsPaired); // receive and send share one helper
        AssertValid(Verify(Chain, pub, ProveRaw(Chain, traces, pub)));
    }

    [Fact]
    public void Wrong_public_start_or_end_is_rejected()
    {
        var (traces, pub) = ChainWitness(5, 0x1000, 77);
        var proof = ProveRaw(Chain, traces, pub);
        for (int i = 0; i < pub.Length; i++)
        {
            var changed = (Goldilocks[])pub.Clone();
            changed[i] += Goldilocks.One;
            AssertRejected(Verify(Chain, changed, proof));
        }
        // Proved under the wrong end state, the bus check itself fails.
        var wrong = (Goldilocks[])pub.Clone();
        wrong[3] += Goldilocks.One;
        AssertRejected(Verify(Chain, wrong, ProveRaw(Chain, traces, wrong)), "LogUp");
        Assert.Contains("balance", Assert.Throws<InvalidWitnessException>(() => StarkProver.Prove(Chain, traces, wrong, Fast)).Message);
    }

    [Fact]
    public void Public_terms_alone_must_balance()
    {
        // No table touches the bus: the statement's send and receive must cancel each other.
        var b = new AirBuilder("public-only", publicInputCount: 2);
        var t = b.Table("t", 1);
        t.Transition("constant", t.Main(0).Next - t.Main(0));
        b.PublicSend(9, Expr.Const(1), Expr.PublicInput(0));
        b.PublicReceive(9, Expr.Const(1), Expr.PublicInput(1));
        var air = b.Build();
        Assert.True(air.HasLocalBuses);
        Assert.False(air.Tables[0].HasAux);
        Goldilocks[][][] traces = [[new Goldilocks[8]]];
        AssertValid(Verify(air, [new(5), new(5)], ProveRaw(air, traces, [new(5), new(5)])));
        AssertRejected(Verify(air, [new(5), new(6)], ProveRaw(air, traces, [new(5), new(6)])), "LogUp");
    }

    [Fact]
    public void Public_interactions_may_use_only_constants_and_public_inputs()
    {
        var b = new AirBuilder("x", publicInputCount: 1);
        var t = b.Table("t", 1);
        Assert.Throws<ArgumentException>(() => b.PublicSend(1, Expr.Const(1), t.Main(0)));
        Assert.Throws<ArgumentException>(() => b.PublicSend(1, Expr.Main(0), Expr.PublicInput(0)));
        Assert.Throws<ArgumentException>(() => b.PublicReceive(1, Expr.Const(1), Expr.PublicInput(0) * Expr.Challenge(1)));
        Assert.Throws<ArgumentException>(() => b.PublicReceive(1, Expr.Const(1), Expr.PublicInput(1)));
        Assert.Throws<ArgumentException>(() => b.PublicReceive(1, Expr.Const(1)));
        b.PublicSend(1, Expr.Const(2), Expr.PublicInput(0) * 3 + 1); // arithmetic over public inputs is fine
    }

    [Fact]
    public void Public_interactions_are_part_of_the_AIR_identity()
    {
        AirDefinition Build(bool send)
        {
            var b = new AirBuilder("x", publicInputCount: 1);
            var t = b.Table("t", 1);
            t.Receive(1, Expr.Const(1), t.Main(0));
            if (send) b.PublicSend(1, Expr.Const(1), Expr.PublicInput(0));
            else b.PublicReceive(1, Expr.Const(-1), Expr.PublicInput(0));
            return b.Build();
        }
        Assert.NotEqual(Build(true).Identity, Build(false).Identity);
    }
}
