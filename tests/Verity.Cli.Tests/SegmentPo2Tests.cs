using System.Buffers.Binary;
using System.Text.Json;
using Verity.Zkvm.Proving;

namespace Verity.Cli.Tests;

/// <summary>
/// One segment po2 range (the zkVM's <see cref="ZkvmProveOptions.MinSegmentPo2"/>..<see cref="ZkvmProveOptions.MaxSegmentPo2"/>)
/// in every command, and the declared-image limit of the commands that run a guest.
/// </summary>
[Collection(nameof(InProcessCli))]
public sealed class SegmentPo2Tests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"verity-po2-cli-{Guid.NewGuid():N}");

    public SegmentPo2Tests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Elf => InProcessCli.RepoFile(Path.Combine("guest", "prebuilt", "sha256.elf"));

    /// <summary>Arguments that reach the po2 check of each command and nothing after it (the node is never reached).</summary>
    public static TheoryData<string, string[]> Commands => new()
    {
        { "execute", ["execute", "ELF"] },
        { "prove", ["prove", "ELF", "--params", "insecure-test"] },
        { "job submit", ["job", "submit", "ELF", "--node", "http://127.0.0.1:9", "--api-key", "unused-key-0123456789"] },
        { "bench -c", ["bench", "-c", "1", "--node", "http://127.0.0.1:9", "--api-key", "unused-key-0123456789"] },
        { "params", ["params"] },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_refuses_a_po2_outside_4_to_24_with_the_same_message(string name, string[] args)
    {
        foreach (int po2 in new[] { ZkvmProveOptions.MinSegmentPo2 - 1, ZkvmProveOptions.MaxSegmentPo2 + 1 })
        {
            var (code, output, err) = InProcessCli.Run([.. args.Select(a => a == "ELF" ? Elf : a), "--po2", po2.ToString()]);
            Assert.True(code == 2, $"{name} --po2 {po2}: exit {code}: {output}{err}");
            Assert.Equal($"error: --po2 must be in 4..24, got {po2}.", Assert.Single(InProcessCli.Lines(err)));
        }
    }

    [Fact]
    public void Execute_takes_po2_4_which_it_refused_before()
    {
        var (code, output, err) = InProcessCli.Run("execute", Elf, "--po2", "4", "--json");
        Assert.True(code == 0, $"exit {code}: {output}{err}");
        using var doc = JsonDocument.Parse(output.Trim());
        long cycles = doc.RootElement.GetProperty("cycles").GetInt64();
        Assert.Equal((cycles + 15) / 16, doc.RootElement.GetProperty("segments").GetInt64());
    }

    [Fact]
    public void Job_submit_refuses_po2_24_with_the_default_parameters_for_security_before_uploading()
    {
        var (code, output, err) = InProcessCli.Run("job", "submit", Elf, "--po2", "24", "--node", "http://127.0.0.1:9", "--api-key", "unused-key-0123456789");
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        Assert.StartsWith("error: segment po2 24 with parameters 'default' gives 99 provable bits", Assert.Single(InProcessCli.Lines(err)));
        Assert.Contains("use po2 23 or less", err);
        // An execute-only job makes no proof: the same size goes on to the node (unreachable here).
        var (code2, _, err2) = InProcessCli.Run("job", "submit", Elf, "--po2", "24", "--execute-only", "--node", "http://127.0.0.1:9", "--api-key", "unused-key-0123456789");
        Assert.Equal(1, code2);
        Assert.Contains("cannot reach the node", err2);
    }

    [Fact]
    public void Execute_and_prove_refuse_an_elf_declaring_more_than_max_image_bytes()
    {
        // 88 bytes: one executable PT_LOAD of 4 file bytes (an ecall) declaring 1 GiB.
        var f = new byte[88];
        f[0] = 0x7F; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F'; f[4] = 1; f[5] = 1; f[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), 243);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(24), 0x10000);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(28), 52);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(42), 32);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(44), 1);
        uint[] ph = [1, 84, 0x10000, 0x10000, 4, 1u << 30, 5, 4];
        for (int i = 0; i < ph.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(52 + 4 * i), ph[i]);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(84), 0x73);
        string elf = Path.Combine(_dir, "tiny.elf");
        File.WriteAllBytes(elf, f);

        foreach (string command in new[] { "execute", "prove" })
        {
            var (code, output, err) = InProcessCli.Run(command, elf);
            Assert.True(code == 2, $"{command}: exit {code}: {output}{err}");
            Assert.Equal("error: tiny.elf: the PT_LOAD segments declare 1073741824 bytes of memory, more than the image limit of 268435456 bytes " +
                "(the largest, segment 0 at 0x00010000, declares p_memsz 1073741824 bytes with p_filesz 4) (--max-image-bytes)", Assert.Single(InProcessCli.Lines(err)));
        }
        var (bad, _, badErr) = InProcessCli.Run("execute", elf, "--max-image-bytes", "0");
        Assert.Equal(2, bad);
        Assert.Contains("--max-image-bytes must be in 1..1073741824, got 0.", badErr);
    }
}
