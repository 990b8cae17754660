namespace Verity.Algebra;

/// <summary>Montgomery's trick: n inverses for one inversion and 3(n−1) multiplications.</summary>
public static class BatchInverse
{
    /// <summary>Replaces every element of <paramref name="values"/> by its inverse. Throws if any is zero.</summary>
    public static void InvertInPlace<T>(Span<T> values) where T : struct, IField<T>
    {
        if (values.Length == 0) return;
        T[] prefix = System.Buffers.ArrayPool<T>.Shared.Rent(values.Length);
        try
        {
            T acc = T.One;
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i].IsZero) throw new DivideByZeroException($"Batch inverse: element {i} is zero.");
                prefix[i] = acc;
                acc *= values[i];
            }
            T inv = acc.Inverse();
            for (int i = values.Length - 1; i >= 0; i--)
            {
                T v = values[i];
                values[i] = inv * prefix[i];
                inv *= v;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(prefix);
        }
    }

    /// <summary>Parallel version over blocks; each block pays one inversion.</summary>
    public static void InvertInPlaceParallel<T>(T[] values, int blockSize = 1 << 14) where T : struct, IField<T>
    {
        int blocks = (values.Length + blockSize - 1) / blockSize;
        Parallel.For(0, blocks, b =>
        {
            int start = b * blockSize;
            InvertInPlace(values.AsSpan(start, System.Math.Min(blockSize, values.Length - start)));
        });
    }
}
