using System.Runtime.InteropServices;

namespace Verity.Cluster.Blobs;

/// <summary>Streams over bytes a caller hands a blob store (the byte forms of put go through the streamed ones).</summary>
internal static class MemoryStreams
{
    /// <summary>
    /// A read-only stream over <paramref name="data"/>: the caller's array wrapped when there is one (multi-MB proofs
    /// are not copied just to be stored), a copy otherwise.
    /// </summary>
    public static MemoryStream ReadOnly(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);
}
