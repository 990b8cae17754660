namespace Verity.Algebra.Tests;

/// <summary>Smoke tests only: performance is measured by the benchmark command, never asserted here.</summary>
public class AlgebraBenchmarksTests
{
    [Fact]
    public void BenchmarksRunAndReportPositiveFigures()
    {
        Assert.True(AlgebraBenchmarks.FieldMulPerSecond(TimeSpan.FromMilliseconds(20)) > 0);
        Assert.True(AlgebraBenchmarks.NttMilliseconds(8, parallel: false) > 0);
        Assert.True(AlgebraBenchmarks.NttMilliseconds(15, parallel: true) > 0);
        Assert.True(AlgebraBenchmarks.LdeMilliseconds(6, 9, 2) > 0);
    }

    [Fact]
    public void BenchmarkArgumentsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AlgebraBenchmarks.FieldMulPerSecond(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlgebraBenchmarks.NttMilliseconds(-1, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlgebraBenchmarks.NttMilliseconds(40, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlgebraBenchmarks.LdeMilliseconds(4, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlgebraBenchmarks.LdeMilliseconds(4, 2, 3));
    }
}
