namespace Verity.Algebra;

/// <summary>Which register width the kernels use: the widest the CPU supports, unless capped (tests cap it to cover every path).</summary>
internal static class LaneSelection
{
    internal static int MaxLanes = 8;

    public static bool Use512 => MaxLanes >= 8 && Vector512Lanes.IsSupported;

    public static bool Use256 => MaxLanes >= 4 && Vector256Lanes.IsSupported;
}
