using System.Runtime.InteropServices;

namespace Verity.Vm;

/// <summary>
/// Guest memory: 2^20 pages of 4 KiB, allocated zeroed on first access (native memory, freed by
/// <see cref="Dispose"/>). Page 0 is never mapped. Pages that hold bytes of a non-writable image segment are
/// flagged; stores into them go through an exact range check.
/// </summary>
internal sealed unsafe class Memory : IDisposable
{
    public const int PageBits = 12;
    public const uint PageSize = 1u << PageBits;
    public const uint PageMask = PageSize - 1;
    private const int PageCount = 1 << (32 - PageBits);

    private readonly byte*[] _pages = new byte*[PageCount];
    private readonly byte[] _protected = new byte[PageCount];
    private readonly List<(uint Start, ulong End)> _readOnly = [];
    private readonly long _maxBytes;
    private long _allocated;

    public Memory(long maxBytes) { _maxBytes = maxBytes; }

    public long AllocatedBytes => _allocated;

    /// <summary>Marks [start, end) as not writable (code and read-only data).</summary>
    public void Protect(uint start, ulong end)
    {
        _readOnly.Add((start, end));
        for (ulong p = start >> PageBits; p <= (end - 1) >> PageBits; p++) _protected[p] = 1;
    }

    public bool IsProtectedPage(uint pageNumber) => _protected[pageNumber] != 0;

    public bool IsReadOnly(uint address, uint size)
    {
        foreach ((uint s, ulong e) in _readOnly)
            if ((ulong)address + size > s && address < e) return true;
        return false;
    }

    /// <summary>The page holding <paramref name="address"/>, allocated if needed; null for page 0 or when the memory limit would be exceeded (<paramref name="fault"/> says which).</summary>
    public byte* Page(uint address, out string? fault)
    {
        uint pn = address >> PageBits;
        byte* p = _pages[pn];
        if (p != null) { fault = null; return p; }
        if (pn == 0) { fault = $"access to unmapped page 0 (address 0x{address:x8})"; return null; }
        if (_allocated + PageSize > _maxBytes)
        {
            fault = $"memory limit of {_maxBytes} bytes exceeded (allocating the page at 0x{pn << PageBits:x8})";
            return null;
        }
        p = (byte*)NativeMemory.AlignedAlloc(PageSize, 64);
        new Span<byte>(p, (int)PageSize).Clear();
        _pages[pn] = p;
        _allocated += PageSize;
        fault = null;
        return p;
    }

    /// <summary>Whether the page exists (used to tell an untouched page from a zero one).</summary>
    public bool IsAllocated(uint pageNumber) => _pages[pageNumber] != null;

    public void Dispose()
    {
        for (int i = 0; i < _pages.Length; i++)
        {
            if (_pages[i] != null) { NativeMemory.AlignedFree(_pages[i]); _pages[i] = null; }
        }
    }
}
