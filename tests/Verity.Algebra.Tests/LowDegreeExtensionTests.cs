namespace Verity.Algebra.Tests;

public class LowDegreeExtensionTests
{
    private static Goldilocks[][] Columns(int width, int n, int seed)
    {
        var columns = new Goldilocks[width][];
        for (int c = 0; c < width; c++) columns[c] = NttTests.Random(n, seed * 1000 + c);
        return columns;
    }

    private static Goldilocks[] Evaluations(Goldilocks[] coefficients)
    {
        var values = (Goldilocks[])coefficients.Clone();
        Ntt.Forward(values);
        return values;
    }

    private static void AssertExtension(RowMajorMatrix matrix, Goldilocks[][] coefficients, int blowup, Goldilocks shift, bool naive)
    {
        int n = coefficients[0].Length;
        Assert.Equal(coefficients.Length, matrix.Width);
        Assert.Equal(n * blowup, matrix.Height);
        int logPoints = System.Numerics.BitOperations.Log2((uint)(n * blowup));
        for (int c = 0; c < coefficients.Length; c++)
        {
            Goldilocks[] expected;
            if (naive)
            {
                expected = NttTests.NaiveEvaluate(coefficients[c], shift, logPoints);
            }
            else
            {
                expected = new Goldilocks[n * blowup];
                coefficients[c].CopyTo(expected, 0);
                Ntt.CosetForward(expected, shift);
            }
            for (int r = 0; r < matrix.Height; r++)
            {
                if (matrix[r, c] != expected[r])
                    Assert.Fail($"Row {r}, column {c}: expected {expected[r]}, got {matrix[r, c]}.");
            }
        }
    }

    public static TheoryData<int, int, int> SmallShapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int logN in new[] { 0, 1, 2, 3, 5, 6, 7 })
            foreach (int blowup in new[] { 1, 2, 4, 8 })
                foreach (int width in new[] { 1, 3, 8, 13 })
                    data.Add(logN, blowup, width);
        return data;
    }

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void ExtendMatchesNaiveEvaluation(int logN, int blowup, int width)
    {
        Goldilocks[][] coefficients = Columns(width, 1 << logN, logN * 64 + blowup * 8 + width);
        Goldilocks[][] evaluations = coefficients.Select(Evaluations).ToArray();
        Goldilocks[][] inputCopy = evaluations.Select(e => (Goldilocks[])e.Clone()).ToArray();
        Goldilocks shift = Goldilocks.FromUInt64(0xDEAD_BEEF_0000_0000UL + (ulong)(logN * 10 + blowup));

        var output = new Goldilocks[width][];
        RowMajorMatrix fromEvaluations = LowDegreeExtension.Extend(evaluations, blowup, shift, output);
        AssertExtension(fromEvaluations, coefficients, blowup, shift, naive: true);
        Assert.Equal(coefficients, output);
        Assert.Equal(inputCopy, evaluations);

        Goldilocks[][] coefficientsCopy = coefficients.Select(e => (Goldilocks[])e.Clone()).ToArray();
        RowMajorMatrix fromCoefficients = LowDegreeExtension.ExtendCoefficients(coefficients, blowup, shift);
        Assert.Equal(fromEvaluations.Values, fromCoefficients.Values);
        Assert.Equal(coefficientsCopy, coefficients);
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(1, 2)]
    [InlineData(4, 1)]
    [InlineData(4, 12)]
    [InlineData(8, 3)]
    [InlineData(8, 16)]
    public void EveryKernelWidthAndBlockingPathAgrees(int lanes, int width)
    {
        // Tiny cache blocks force the two-pass (block + slice) schedule at small sizes.
        const int LogN = 9;
        Goldilocks[][] coefficients = Columns(width, 1 << LogN, lanes);
        Goldilocks[][] evaluations = coefficients.Select(Evaluations).ToArray();
        Goldilocks shift = Goldilocks.Generator;
        int savedBlock = LdeTuning.BlockBytes, savedSlice = LdeTuning.SliceBytes;
        try
        {
            foreach ((int block, int slice) in new[] { (1 << 19, 1 << 18), (1 << 9, 1 << 10), (64, 64), (1 << 11, 8) })
            {
                LdeTuning.BlockBytes = block;
                LdeTuning.SliceBytes = slice;
                var output = new Goldilocks[width][];
                RowMajorMatrix matrix = null!;
                NttTests.WithLanes(lanes, () => matrix = LowDegreeExtension.Extend(evaluations, 4, shift, output));
                AssertExtension(matrix, coefficients, 4, shift, naive: false);
                Assert.Equal(coefficients, output);
                NttTests.WithLanes(lanes, () => matrix = LowDegreeExtension.ExtendCoefficients(coefficients, 2, shift));
                AssertExtension(matrix, coefficients, 2, shift, naive: false);
            }
        }
        finally
        {
            LdeTuning.BlockBytes = savedBlock;
            LdeTuning.SliceBytes = savedSlice;
        }
    }

    [Theory]
    [InlineData(13, 64, 4)]
    [InlineData(12, 8, 8)]
    [InlineData(14, 1, 2)]
    public void LargeExtensionsMatchReference(int logN, int width, int blowup)
    {
        Goldilocks[][] coefficients = Columns(width, 1 << logN, logN);
        Goldilocks[][] evaluations = coefficients.Select(Evaluations).ToArray();
        Goldilocks shift = new(7);
        var output = new Goldilocks[width][];
        RowMajorMatrix matrix = LowDegreeExtension.Extend(evaluations, blowup, shift, output);
        Assert.Equal(coefficients, output);
        // Check a spread of columns against the reference (all of them would be slow).
        int[] sample = width <= 8 ? Enumerable.Range(0, width).ToArray() : [0, 1, 7, 8, width / 2, width - 2, width - 1];
        AssertExtension(new RowMajorMatrix(sample.Length, matrix.Height, Project(matrix, sample)), sample.Select(c => coefficients[c]).ToArray(), blowup, shift, naive: false);
    }

    private static Goldilocks[] Project(RowMajorMatrix matrix, int[] columns)
    {
        var values = new Goldilocks[matrix.Height * columns.Length];
        for (int r = 0; r < matrix.Height; r++)
            for (int i = 0; i < columns.Length; i++) values[r * columns.Length + i] = matrix[r, columns[i]];
        return values;
    }

    [Fact]
    public void ExtendIntoOverwritesAReusedMatrix()
    {
        Goldilocks shift = new(5);
        var destination = new RowMajorMatrix(16, 1 << 9);
        foreach (int seed in new[] { 1, 2 })
        {
            Goldilocks[][] coefficients = Columns(16, 1 << 7, seed);
            Goldilocks[][] evaluations = coefficients.Select(Evaluations).ToArray();
            var output = new Goldilocks[16][];
            LowDegreeExtension.ExtendInto(evaluations, 4, shift, destination, output);
            Assert.Equal(LowDegreeExtension.Extend(evaluations, 4, shift).Values, destination.Values);
            Assert.Equal(coefficients, output);
            LowDegreeExtension.ExtendCoefficientsInto(coefficients, 4, shift, destination);
            Assert.Equal(LowDegreeExtension.Extend(evaluations, 4, shift).Values, destination.Values);
        }
        Goldilocks[][] small = Columns(16, 1 << 7, 3);
        Assert.Throws<ArgumentNullException>(() => LowDegreeExtension.ExtendInto(small, 4, shift, null!));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.ExtendInto(small, 2, shift, destination));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.ExtendInto(small.Take(8).ToArray(), 4, shift, destination));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.ExtendCoefficientsInto(small, 8, shift, destination));
    }

    [Fact]
    public void ArgumentsAreValidated()
    {
        Goldilocks[][] good = Columns(2, 8, 1);
        Assert.Throws<ArgumentNullException>(() => LowDegreeExtension.Extend(null!, 2, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.Extend([], 2, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.Extend([good[0], null!], 2, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.Extend([good[0], new Goldilocks[4]], 2, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.Extend([new Goldilocks[6]], 2, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.Extend([new Goldilocks[0]], 2, Goldilocks.One));
        Assert.Throws<ArgumentOutOfRangeException>(() => LowDegreeExtension.Extend(good, 0, Goldilocks.One));
        Assert.Throws<ArgumentOutOfRangeException>(() => LowDegreeExtension.Extend(good, 3, Goldilocks.One));
        Assert.Throws<ArgumentOutOfRangeException>(() => LowDegreeExtension.Extend(good, -4, Goldilocks.One));
        Assert.Throws<ArgumentOutOfRangeException>(() => LowDegreeExtension.Extend([new Goldilocks[1 << 20]], 1 << 11, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.Extend(good, 2, Goldilocks.One, new Goldilocks[3][]));
        Assert.Throws<ArgumentNullException>(() => LowDegreeExtension.ExtendCoefficients(null!, 2, Goldilocks.One));
        Assert.Throws<ArgumentException>(() => LowDegreeExtension.ExtendCoefficients([good[0], new Goldilocks[16]], 2, Goldilocks.One));
        Assert.Throws<ArgumentOutOfRangeException>(() => LowDegreeExtension.ExtendCoefficients(good, 6, Goldilocks.One));
    }
}
