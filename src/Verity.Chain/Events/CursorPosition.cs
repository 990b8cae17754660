namespace Verity.Chain.Events;

/// <summary>A block by number and hash.</summary>
public sealed record BlockRef(ulong Number, string Hash);

/// <summary>
/// Where an <see cref="EventCursor"/> stands: every log up to and including <see cref="Block"/> was delivered.
/// <see cref="Recent"/> holds the last saved positions (oldest first, <see cref="Block"/> last) so a reorg can be
/// followed back to the last block that is still canonical.
/// </summary>
public sealed record CursorPosition(BlockRef Block, IReadOnlyList<BlockRef> Recent)
{
    /// <summary>The position after delivering up to <paramref name="next"/>, keeping at most <paramref name="window"/> blocks.</summary>
    public CursorPosition Advance(BlockRef next, int window) =>
        new(next, Recent.Where(b => b.Number < next.Number).Append(next).TakeLast(window).ToArray());

    /// <summary>The position rewound to <paramref name="block"/>, one of <see cref="Recent"/>.</summary>
    public CursorPosition RewindTo(BlockRef block) =>
        new(block, Recent.Where(b => b.Number <= block.Number).ToArray());
}

/// <summary>Keeps a cursor's position across restarts.</summary>
public interface ICursorStore
{
    /// <summary>The saved position, or null when there is none yet.</summary>
    Task<CursorPosition?> LoadAsync(CancellationToken ct = default);

    /// <summary>Saves the position; after it returns, a crash must not lose it.</summary>
    Task SaveAsync(CursorPosition position, CancellationToken ct = default);
}
