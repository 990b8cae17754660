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
    public void Demo_proves_and_verifies_the_examples()
    {
        var (code, output, err) = Run("demo", "--log-rows", "8");
        Assert.True(code == 0, output + err);
        Assert.Contains("fibonacci", output);
        Assert.Contains("range-check", output);
        Assert.Contains("valid", output);
        Assert.Contains("provable bits", output);
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
    [InlineData("demo", "--log-rows", "99")]
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
    }
}
