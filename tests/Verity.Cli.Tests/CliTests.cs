using System.Diagnostics;
using System.Text.Json;

namespace Verity.Cli.Tests;

/// <summary>Runs the real `verity` executable, as an operator would.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "verity.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("verity did not exit"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Demo_proves_and_verifies_a_guest_and_rejects_a_forgery()
    {
        var (code, output, err) = Run("demo", "--params", "insecure-test", "--po2", "11");
        Assert.True(code == 0, output + err);
        Assert.Contains("= SHA-256 of the input", output);
        Assert.Contains("valid", output);
        Assert.Contains("rejected", output);
    }

    [Fact]
    public void Stark_demo_proves_and_verifies_the_examples()
    {
        var (code, output, err) = Run("demo", "stark", "--log-rows", "8");
        Assert.True(code == 0, output + err);
        Assert.Contains("fibonacci", output);
        Assert.Contains("range-check", output);
        Assert.Contains("valid", output);
        Assert.Contains("provable bits", output);
    }

    [Fact]
    public void A_downloaded_receipt_is_accepted_only_for_its_jobs_image_input_and_journal()
    {
        // What `verity job receipt` and `job submit --wait` check before writing a receipt from a node: a real proof
        // of the job's program, on the job's input, with the journal the node reported.
        var elf = TinyGuest();
        var file = Path.Combine(Path.GetTempPath(), $"verity-{Guid.NewGuid():N}.receipt");
        try
        {
            var (code, output, err) = Run("prove", elf, "--po2", "8", "--params", "insecure-test", "-o", file);
            Assert.True(code == 0, output + err);
            byte[] receipt = File.ReadAllBytes(file);
            var (_, imageId, _) = Run("image-id", elf);
            var job = new Verity.Cluster.Protocol.JobStatusView
            {
                JobId = "job-1",
                State = Verity.Cluster.Jobs.JobState.Succeeded,
                ImageId = imageId.Trim(),
                InputId = Verity.Crypto.Blake3.Hash([]).ToHex(), // the guest ran on an empty input
                Parameters = "insecure-test",
                JournalHex = "6869",
                Tasks = new Dictionary<string, Verity.Cluster.Protocol.TaskProgress>(),
            };
            Assert.Contains("verified against image", Verity.Cli.Commands.DownloadedReceipt.Verify(receipt, job));

            var otherInput = Assert.Throws<Verity.Cli.Commands.CliFailureException>(() =>
                Verity.Cli.Commands.DownloadedReceipt.Verify(receipt, job with { InputId = Verity.Crypto.Blake3.Hash("other"u8).ToHex() }));
            Assert.Contains("is for input", otherInput.Message);
            var otherJournal = Assert.Throws<Verity.Cli.Commands.CliFailureException>(() =>
                Verity.Cli.Commands.DownloadedReceipt.Verify(receipt, job with { JournalHex = "6868" }));
            Assert.Contains("commits to journal 6869", otherJournal.Message);
            var otherImage = Assert.Throws<Verity.Cli.Commands.CliFailureException>(() =>
                Verity.Cli.Commands.DownloadedReceipt.Verify(receipt, job with { ImageId = new string('0', 64) }));
            Assert.Contains("does not verify against image", otherImage.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Prove_and_verify_round_trip_with_the_documented_fields()
    {
        var elf = TinyGuest();
        var receipt = Path.Combine(Path.GetTempPath(), $"verity-{Guid.NewGuid():N}.receipt");
        try
        {
            var (code, output, err) = Run("prove", elf, "--po2", "8", "--params", "insecure-test", "-o", receipt, "--json");
            Assert.True(code == 0, output + err);
            using (var doc = JsonDocument.Parse(output.Trim()))
            {
                var root = doc.RootElement;
                Assert.Equal(64, root.GetProperty("image_id").GetString()!.Length);
                Assert.True(root.GetProperty("cycles").GetInt64() >= 9);
                Assert.Equal(1, root.GetProperty("segments").GetInt32());
                Assert.Equal("6869", root.GetProperty("journal_hex").GetString());
                Assert.Equal(7, root.GetProperty("exit_code").GetInt32());
                foreach (var f in new[] { "prove_ms", "khz", "receipt_bytes" }) Assert.True(root.GetProperty(f).GetDouble() > 0, f);
                Assert.Equal(new FileInfo(receipt).Length, root.GetProperty("receipt_bytes").GetInt64());
                // The receipt's security for its parameters (a handful of bits for the test set).
                Assert.True(root.GetProperty("receipt_bits").GetDouble() <= root.GetProperty("provable_bits").GetDouble());
            }
            var (id, idOut, _) = Run("image-id", elf);
            Assert.Equal(0, id);
            string imageId = idOut.Trim();

            var (v1, human, verr) = Run("verify", receipt, "--elf", elf, "--params", "insecure-test", "--allow-insecure");
            Assert.True(v1 == 0, human + verr);
            Assert.Contains("valid", human);
            Assert.Contains("\"hi\"", human);

            var (v2, json, _) = Run("verify", receipt, "--image-id", imageId, "--params", "insecure-test", "--allow-insecure", "--json");
            Assert.Equal(0, v2);
            using (var doc = JsonDocument.Parse(json.Trim()))
            {
                Assert.True(doc.RootElement.GetProperty("valid").GetBoolean());
                Assert.Equal("6869", doc.RootElement.GetProperty("journal_hex").GetString());
                Assert.Equal(7, doc.RootElement.GetProperty("exit_code").GetInt32());
                Assert.Equal(imageId, doc.RootElement.GetProperty("image_id").GetString());
            }

            // Another program's image id, the default (secure) policy, and a corrupted file are all rejected.
            var (v3, _, e3) = Run("verify", receipt, "--image-id", new string('0', 64), "--params", "insecure-test", "--allow-insecure");
            Assert.Equal(1, v3);
            Assert.Contains("rejected", e3);
            var (v4, _, e4) = Run("verify", receipt, "--elf", elf, "--params", "insecure-test");
            Assert.Equal(1, v4);
            Assert.Contains("insecure", e4);
            var bytes = File.ReadAllBytes(receipt);
            bytes[bytes.Length / 2] ^= 0x10;
            File.WriteAllBytes(receipt, bytes);
            var (v5, out5, e5) = Run("verify", receipt, "--elf", elf, "--params", "insecure-test", "--allow-insecure", "--json");
            Assert.Equal(1, v5);
            Assert.Contains("\"valid\":false", out5 + e5);
        }
        finally
        {
            File.Delete(elf);
            File.Delete(receipt);
        }
    }

    [Fact]
    public void Verify_refuses_a_simulated_receipt_and_says_why()
    {
        // What a simulated cluster job writes in place of a receipt: a claim and no proof.
        var imageId = Verity.Crypto.Blake3.Hash("some program"u8);
        var claim = new Verity.Zkvm.Receipts.Claim(imageId, Verity.Crypto.Blake3.Hash("input"u8), [0x68, 0x69], 0);
        var path = Path.Combine(Path.GetTempPath(), $"verity-sim-{Guid.NewGuid():N}.receipt");
        File.WriteAllBytes(path, new Verity.Zkvm.Receipts.SimulatedReceipt(claim, 1000, 1).ToBytes());
        try
        {
            var (code, output, err) = Run("verify", path, "--image-id", imageId.ToHex());
            Assert.True(code == 1, $"exit {code}: {output}{err}");
            Assert.Contains("rejected", err);
            Assert.Contains("simulated receipt", err);
            Assert.Contains("proves nothing", err);
            Assert.DoesNotContain("valid", output);

            var (jsonCode, json, _) = Run("verify", path, "--image-id", imageId.ToHex(), "--json");
            Assert.Equal(1, jsonCode);
            using var doc = JsonDocument.Parse(json.Trim());
            Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
            Assert.Contains("proves nothing", doc.RootElement.GetProperty("error").GetString());
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("prove", "--po2", "99")]
    [InlineData("verify", "--image-id", "abc")]
    [InlineData("image-id")]
    public void Prove_and_verify_refuse_bad_arguments(params string[] args)
    {
        var elf = TinyGuest();
        try
        {
            var full = args[0] == "verify" ? ["verify", elf, .. args[1..]] : (string[])[args[0], elf, .. args[1..]];
            if (args[0] == "image-id") full = ["image-id", elf + ".missing"];
            var (code, output, err) = Run(full);
            Assert.Equal(2, code);
            Assert.Contains("error", (output + err).ToLowerInvariant());
        }
        finally { File.Delete(elf); }
    }

    [Fact]
    public void Bench_json_has_the_documented_fields()
    {
        var (code, output, err) = Run("bench", "stark", "--log-rows", "8", "--width", "4", "--params", "insecure-test", "--json");
        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output.Trim().Split('\n').Last());
        var root = doc.RootElement;
        Assert.True(root.GetProperty("verified").GetBoolean());
        foreach (var field in new[] { "provable_bits", "conjectured_bits" })
            Assert.True(root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number, $"missing: {field}");
        foreach (var field in new[] { "cells_per_second", "prove_ms", "verify_ms", "proof_bytes" })
            Assert.True(root.TryGetProperty(field, out var v) && v.GetDouble() > 0, $"missing or zero: {field}");
    }

    [Theory]
    [InlineData("demo", "--params", "no-such-set")]
    [InlineData("demo", "--po2", "99")]
    [InlineData("demo", "stark", "--log-rows", "99")]
    [InlineData("bench", "stark", "--width", "0")]
    public void Bad_arguments_give_a_clear_error_and_non_zero_exit(params string[] args)
    {
        var (code, output, err) = Run(args);
        Assert.NotEqual(0, code);
        Assert.Contains("error", (output + err).ToLowerInvariant());
    }

    [Fact]
    public void Unknown_command_fails()
    {
        var (code, _, _) = Run("no-such-command");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public void Params_lists_the_named_sets()
    {
        var (code, output, _) = Run("params");
        Assert.Equal(0, code);
        foreach (var name in new[] { "default", "blowup4", "default-keccak", "insecure-test" }) Assert.Contains(name, output);
        foreach (var row in new[] { "segment: weakest table", "queries + grinding", "segment: local LogUp buses", "memory proof",
                     "global challenge (global buses)", "receipt: union of 16 + 1 proofs" })
            Assert.Contains(row, output);
    }

    [Fact]
    public void Params_json_gives_every_term_the_weakest_table_and_the_receipt_total()
    {
        // docs/SOUNDNESS.md: default set, po2 20, 16 segments.
        var (code, output, err) = Run("params", "--po2", "20", "--segments", "16", "--json");
        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output.Trim());
        Assert.Equal(20, doc.RootElement.GetProperty("po2").GetInt32());
        Assert.Equal(16, doc.RootElement.GetProperty("segments").GetInt32());
        var sets = doc.RootElement.GetProperty("sets").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["default", "blowup4", "default-keccak", "insecure-test"], sets.Keys);
        var d = sets["default"];
        var seg = d.GetProperty("segment");
        Assert.Equal(964, seg.GetProperty("committed_base_columns").GetInt32());
        Assert.Equal(776, seg.GetProperty("constraints").GetInt32());
        Assert.Equal(20, seg.GetProperty("weakest_table_log_height").GetInt32());
        Assert.Equal("list-decoding", seg.GetProperty("regime").GetString());
        Assert.Equal(101, seg.GetProperty("terms").GetProperty("queries").GetInt32());
        Assert.Equal(101, seg.GetProperty("terms").GetProperty("fri_batching").GetInt32());
        Assert.Equal(JsonValueKind.Null, seg.GetProperty("terms").GetProperty("fri_folding").ValueKind);
        Assert.Equal(101, seg.GetProperty("provable_bits").GetInt32());
        Assert.Equal(162, seg.GetProperty("local_logup_bits").GetInt32());
        Assert.Equal(24, d.GetProperty("memory").GetProperty("weakest_table_log_height").GetInt32());
        Assert.Equal(100, d.GetProperty("memory").GetProperty("provable_bits").GetInt32());
        Assert.Equal(162, d.GetProperty("global_logup_bits").GetInt32());
        Assert.Equal(100, d.GetProperty("proof_bits").GetInt32());
        Assert.Equal(97, d.GetProperty("receipt_bits").GetInt32());
        // blowup4: its weakest tables are the 64-row ones (100.99 bits).
        Assert.Equal(6, sets["blowup4"].GetProperty("segment").GetProperty("weakest_table_log_height").GetInt32());
        Assert.True(sets["insecure-test"].GetProperty("insecure").GetBoolean());

        // One set, one segment: 2 proofs of 101.20 and 101.66 bits → 100.41.
        var (code1, one, _) = Run("params", "--params", "default", "--segments", "1", "--json");
        Assert.Equal(0, code1);
        using var doc1 = JsonDocument.Parse(one.Trim());
        var only = Assert.Single(doc1.RootElement.GetProperty("sets").EnumerateArray());
        Assert.Equal(100, only.GetProperty("receipt_bits").GetInt32());
    }

    [Theory]
    [InlineData("--po2", "25")]
    [InlineData("--segments", "0")]
    [InlineData("--params", "no-such-set")]
    public void Params_refuses_bad_arguments(params string[] args)
    {
        var (code, output, err) = Run(["params", .. args]);
        Assert.Equal(2, code);
        Assert.Contains("error", (output + err).ToLowerInvariant());
    }

    [Fact]
    public void Prove_refuses_a_segment_size_the_default_verifier_would_reject_before_running()
    {
        var elf = TinyGuest();
        var receipt = Path.Combine(Path.GetTempPath(), $"verity-{Guid.NewGuid():N}.receipt");
        try
        {
            var (code, output, err) = Run("prove", elf, "--po2", "24", "-o", receipt, "--json");
            Assert.Equal(2, code);
            Assert.Contains("segment po2 24 with parameters 'default' gives 99 provable bits", err);
            Assert.Contains("minimum of 100", err);
            Assert.Contains("use po2 23 or less", err);
            Assert.Equal("", output);
            Assert.False(File.Exists(receipt));
        }
        finally { File.Delete(elf); File.Delete(receipt); }
    }

    /// <summary>A minimal static RV32 ELF (<see cref="TinyElf"/>) that writes "hi" to the journal and exits 7.</summary>
    private static string TinyGuest(uint[]? program = null) =>
        TinyElf.Write(Path.Combine(Path.GetTempPath(), $"verity-tiny-{Guid.NewGuid():N}.elf"), exitCode: 7, program);

    [Fact]
    public void Execute_reports_exit_code_cycles_and_journal()
    {
        var elf = TinyGuest();
        try
        {
            var (code, output, err) = Run("execute", elf, "--json");
            Assert.True(code == 0, output + err);
            using var doc = JsonDocument.Parse(output.Trim());
            var root = doc.RootElement;
            Assert.Equal(7, root.GetProperty("exit_code").GetInt32());
            Assert.True(root.GetProperty("cycles").GetInt64() >= 9); // 9 instructions; the write syscall costs a few cycles more
            Assert.Equal(1, root.GetProperty("segments").GetInt32());
            Assert.Equal("6869", root.GetProperty("journal_hex").GetString());
            Assert.True(root.TryGetProperty("elapsed_ms", out _) && root.TryGetProperty("mhz", out _));
            var (code2, human, _) = Run("execute", elf, "--input-text", "ignored");
            Assert.Equal(0, code2);
            Assert.Contains("exit code", human);
            Assert.Contains("\"hi\"", human);
        }
        finally { File.Delete(elf); }
    }

    [Theory]
    [InlineData("not-an-elf")]
    [InlineData("missing")]
    public void Execute_refuses_bad_programs_with_a_clear_error(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), $"verity-bad-{Guid.NewGuid():N}.elf");
        if (kind == "not-an-elf") File.WriteAllText(path, "hello");
        try
        {
            var (code, _, err) = Run("execute", path);
            Assert.NotEqual(0, code);
            Assert.StartsWith("error:", err);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Execute_refuses_conflicting_inputs()
    {
        var elf = TinyGuest();
        try
        {
            var (code, output, err) = Run("execute", elf, "--input-hex", "00", "--input-text", "x");
            Assert.NotEqual(0, code);
            Assert.Contains("at most one", output + err);
        }
        finally { File.Delete(elf); }
    }

    [Fact]
    public void Execution_error_exits_non_zero_with_pc_and_instruction_on_stderr()
    {
        var elf = TinyGuest([0x00000013, 0xffffffff]); // nop; an illegal instruction word
        try
        {
            var (code, output, err) = Run("execute", elf, "--json");
            Assert.NotEqual(0, code);
            Assert.Equal("", output.Trim());
            Assert.StartsWith("error:", err);
            Assert.Contains("0x00010058", err); // pc of the illegal word: image start + 84-byte headers + 4
            Assert.Contains("0xffffffff", err);
        }
        finally { File.Delete(elf); }
    }

    [Fact]
    public void Cycle_limit_is_reported()
    {
        var elf = TinyGuest([0x0000006f]); // jal x0, 0: loops forever
        try
        {
            var (code, _, err) = Run("execute", elf, "--max-cycles", "1000");
            Assert.NotEqual(0, code);
            Assert.Contains("cycle limit", err);
        }
        finally { File.Delete(elf); }
    }

    [Fact]
    public void Bench_execute_reports_preflight_and_trace_speed()
    {
        var elf = TinyGuest();
        try
        {
            var (code, output, err) = Run("bench", "execute", "--elf", elf, "--iterations", "1", "--json");
            Assert.True(code == 0, output + err);
            using var doc = JsonDocument.Parse(output.Trim());
            Assert.True(doc.RootElement.GetProperty("preflight_mhz").GetDouble() > 0);
            Assert.True(doc.RootElement.GetProperty("trace_mhz").GetDouble() > 0);
            Assert.True(doc.RootElement.GetProperty("cycles").GetInt64() > 0);
        }
        finally { File.Delete(elf); }
        var (missingCode, _, missingErr) = Run("bench", "execute", "--elf", "/nonexistent/loop.elf");
        Assert.NotEqual(0, missingCode);
        Assert.Contains("leave --elf out to use the embedded loop guest", missingErr);
    }
}
