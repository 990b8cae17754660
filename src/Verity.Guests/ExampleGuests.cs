using System.Buffers.Binary;

namespace Verity.Guests;

/// <summary>
/// The example guests embedded in this assembly (guest/prebuilt, refreshed by <c>make -C guest prebuilt</c>), so the
/// demo, <c>verity bench -c N</c> and the devnet run on a fresh machine without <c>make -C guest</c>.
/// </summary>
public static class ExampleGuests
{
    private static readonly Lazy<IReadOnlyList<ExampleGuest>> Guests = new(() =>
    [
        new ExampleGuest("sha256", Load("sha256"), "any bytes", "the 32-byte SHA-256 digest of the whole input"),
        new ExampleGuest("loop", Load("loop"),
            "the iteration count N as a little-endian u32 (missing input: N = 0); about 18 cycles per iteration",
            "N (u32) then a checksum (u32), little-endian"),
        new ExampleGuest("fibonacci", Load("fibonacci"),
            "n as a little-endian u32 (4 bytes needed: shorter input exits with code 2)",
            "fib(n) mod 2^64 as a little-endian u64"),
    ]);

    /// <summary>guest/examples/sha256.c: input any bytes; journal = SHA-256 of the input.</summary>
    public static byte[] Sha256 => Get("sha256").Elf;

    /// <summary>guest/examples/loop.c: input N as a little-endian u32; about 18 cycles per iteration.</summary>
    public static byte[] Loop => Get("loop").Elf;

    /// <summary>guest/examples/fibonacci.c: input n as a little-endian u32; journal fib(n) mod 2^64 (u64 LE).</summary>
    public static byte[] Fibonacci => Get("fibonacci").Elf;

    /// <summary>All three with their input and journal formats, in a fixed order: sha256, loop, fibonacci.</summary>
    public static IReadOnlyList<ExampleGuest> All => Guests.Value;

    /// <summary>The guest named <paramref name="name"/> (sha256, loop or fibonacci).</summary>
    /// <exception cref="ArgumentException">No example guest has that name.</exception>
    public static ExampleGuest Get(string name) =>
        All.FirstOrDefault(g => g.Name == name)
        ?? throw new ArgumentException($"no example guest named '{name}'; the embedded ones are {string.Join(", ", All.Select(g => g.Name))}", nameof(name));

    /// <summary>A little-endian u32: the input of the loop and Fibonacci guests.</summary>
    public static byte[] U32Input(uint value)
    {
        var input = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(input, value);
        return input;
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(ExampleGuests).Assembly.GetManifestResourceStream($"guest.{name}.elf")
            ?? throw new InvalidOperationException($"the embedded guest '{name}' is missing from this build (guest/prebuilt/{name}.elf)");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }
}
