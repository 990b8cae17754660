using Verity.Stark.Air.Parameters;

namespace Verity.Stark.Fri;

/// <summary>
/// The sequence of FRI layers, fixed by the table heights and the verifier's parameters (never by
/// the proof). Layer 0 has the largest LDE size; each step folds by the configured arity, or by
/// less when a smaller table's LDE size or the remainder size must be hit exactly, because each
/// table's DEEP quotient joins the layer of its own size. The last layer is sent as a polynomial.
/// </summary>
public sealed class FriSchedule
{
    private FriSchedule(int[] layerLogSizes, int[] logArities, int remainderLogSize, int logBlowup)
    {
        LayerLogSizes = layerLogSizes;
        LogArities = logArities;
        RemainderLogSize = remainderLogSize;
        RemainderCoefficients = 1 << (remainderLogSize - logBlowup);
        MaxLogSize = layerLogSizes.Length > 0 ? layerLogSizes[0] : remainderLogSize;
    }

    /// <summary>log₂ of each committed layer's domain size.</summary>
    public int[] LayerLogSizes { get; }

    /// <summary>log₂ of the folding arity applied after each committed layer.</summary>
    public int[] LogArities { get; }

    /// <summary>log₂ of the remainder's domain size.</summary>
    public int RemainderLogSize { get; }

    /// <summary>Number of remainder coefficients: its degree is below this.</summary>
    public int RemainderCoefficients { get; }

    public int MaxLogSize { get; }

    public int LayerCount => LayerLogSizes.Length;

    public static FriSchedule Create(IReadOnlyCollection<int> ldeLogSizes, StarkParameters parameters)
    {
        if (ldeLogSizes.Count == 0) throw new ArgumentException("No tables.", nameof(ldeLogSizes));
        int logBlowup = parameters.LogBlowup;
        int max = ldeLogSizes.Max(), min = ldeLogSizes.Min();
        int remainderCap = System.Numerics.BitOperations.Log2((uint)parameters.FriRemainderMaxDegree + 1) + logBlowup;
        int final = System.Math.Min(remainderCap, min);
        int logArity = System.Numerics.BitOperations.Log2((uint)parameters.FriFoldingArity);
        var sizes = new List<int>();
        var arities = new List<int>();
        int cur = max;
        while (cur > final)
        {
            sizes.Add(cur);
            int next = System.Math.Max(cur - logArity, final);
            foreach (int s in ldeLogSizes)
                if (s < cur && s > next) next = s;
            arities.Add(cur - next);
            cur = next;
        }
        return new FriSchedule([.. sizes], [.. arities], final, logBlowup);
    }
}
