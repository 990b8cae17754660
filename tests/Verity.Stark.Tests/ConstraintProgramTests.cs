using Verity.Algebra;
using Verity.Stark.Air.Expressions;
using Verity.Stark.Prover;

namespace Verity.Stark.Tests;

/// <summary>
/// The prover's compiled evaluator (CSE, typed registers, register reuse, lazy accumulation) must
/// agree with a plain recursive evaluation on random expression DAGs with shared subtrees.
/// </summary>
public class ConstraintProgramTests
{
    private const int Columns = 4, Rows = 16;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Compiled_program_matches_direct_evaluation(int seed)
    {
        var rng = new Random(seed);
        Goldilocks R() => Goldilocks.FromUInt64((ulong)rng.NextInt64());
        var main = Enumerable.Range(0, Columns).Select(_ => Enumerable.Range(0, Rows).Select(_ => R()).ToArray()).ToArray();
        Goldilocks[] publics = [R(), R()];
        Goldilocks3 gamma = new(R(), R(), R()), beta = new(R(), R(), R());

        // A pool of subexpressions that later nodes reuse, so the DAG shares subtrees.
        var pool = new List<Expr>();
        for (int c = 0; c < Columns; c++) { pool.Add(Expr.Main(c)); pool.Add(Expr.Main(c).Next); }
        pool.Add(Expr.PublicInput(0));
        pool.Add(Expr.PublicInput(1));
        pool.Add(Expr.Const(0));
        pool.Add(Expr.Const(1));
        pool.Add(Expr.Const(-1));
        pool.Add(Expr.Challenge(0));
        pool.Add(Expr.Challenge(1));
        for (int i = 0; i < 200; i++)
        {
            Expr a = pool[rng.Next(pool.Count)], b = pool[rng.Next(pool.Count)];
            pool.Add(rng.Next(4) switch { 0 => a + b, 1 => a - b, 2 => a * b, _ => -a });
        }
        var terms = new List<(Expr, int, Goldilocks3)>();
        for (int i = 0; i < 40; i++)
            terms.Add((pool[pool.Count - 1 - rng.Next(120)], rng.Next(3), rng.Next(3) == 0 ? Goldilocks3.One : new Goldilocks3(R(), R(), R())));

        Goldilocks3 Uniform(Expr e) => e.Kind switch
        {
            ExprKind.PublicInput => publics[e.Index],
            ExprKind.Challenge => e.Index == 0 ? gamma : beta,
            _ => throw new InvalidOperationException(),
        };
        var program = new ConstraintProgram(terms, 3, Uniform);
        var source = new TraceRowSource(main, [], [], null);
        var outputs = new Goldilocks3[3 * ConstraintProgram.BlockSize];
        program.Evaluate(source, 0, Rows, program.CreateScratch(), outputs);

        for (int row = 0; row < Rows; row++)
        {
            var memo = new Dictionary<Expr, Goldilocks3>(ReferenceEqualityComparer.Instance);
            Goldilocks3 Eval(Expr e)
            {
                if (memo.TryGetValue(e, out var v)) return v;
                v = e.Kind switch
                {
                    ExprKind.Constant => e.Constant,
                    ExprKind.Main => main[e.Index][(row + (e.IsNext ? 1 : 0)) % Rows],
                    ExprKind.PublicInput or ExprKind.Challenge => Uniform(e),
                    ExprKind.Add => Eval(e.Left!) + Eval(e.Right!),
                    ExprKind.Sub => Eval(e.Left!) - Eval(e.Right!),
                    ExprKind.Mul => Eval(e.Left!) * Eval(e.Right!),
                    ExprKind.Neg => -Eval(e.Left!),
                    _ => throw new InvalidOperationException(),
                };
                return memo[e] = v;
            }
            var expected = new Goldilocks3[3];
            foreach (var (term, group, weight) in terms) expected[group] += weight * Eval(term);
            for (int g = 0; g < 3; g++)
                Assert.Equal(expected[g], outputs[g * ConstraintProgram.BlockSize + row]);
        }
    }
}
