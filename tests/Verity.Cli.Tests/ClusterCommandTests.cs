using System.Diagnostics;
using System.Text.Json;
using Verity.Cluster.Jobs;

namespace Verity.Cli.Tests;

/// <summary>`verity job`, `verity agent` and `verity bench -c`: argument checks, credentials, and the job commands end to end against a fake node.</summary>
public sealed class ClusterCommandTests : IDisposable
{
    private const string JobId = "0193aabbccddeeff0011223344556677";
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"verity-cli-cluster-{Guid.NewGuid():N}");

    public ClusterCommandTests() => Directory.CreateDirectory(_home);

    public void Dispose() => Directory.Delete(_home, recursive: true);

    /// <summary>Runs verity with no credentials in the environment and an empty default data dir.</summary>
    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _home };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "verity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["XDG_DATA_HOME"] = Path.Combine(_home, "xdg");
        foreach (var v in new[] { "VERITY_API_KEY", "VERITY_AGENT_TOKEN", "VERITY_Node__DataDir" }) psi.Environment.Remove(v);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); throw new TimeoutException("verity did not exit"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Sha256Elf()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "guest", "prebuilt", "sha256.elf");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("guest/prebuilt/sha256.elf not found above " + AppContext.BaseDirectory);
    }

    private static string ImageIdOf(string elf) => Verity.Vm.ElfLoader.Load(File.ReadAllBytes(elf)).ImageId.ToHex();

    [Theory]
    [InlineData("--concurrency 0", "--concurrency must be in 1..256")]
    [InlineData("--concurrency abc", "--concurrency")]
    [InlineData("--types execute,bogus", "unknown task type 'bogus'")]
    [InlineData("--node ftp://node:21", "not an absolute http:// or https:// URL")]
    [InlineData("--name ", "--name")]
    public void Agent_refuses_bad_arguments_with_exit_2(string args, string expected)
    {
        var (code, output, err) = Run(["agent", "--token", "t", .. args.Split(' ')]);
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        Assert.StartsWith("error:", err);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void Agent_without_a_token_anywhere_says_where_it_looked()
    {
        var (code, _, err) = Run("agent", "--data-dir", _home);
        Assert.Equal(2, code);
        Assert.Contains("No agent token", err);
        Assert.Contains("VERITY_AGENT_TOKEN", err);
        Assert.Contains(Path.Combine(_home, "secrets.json"), err);
    }

    [Theory]
    [InlineData("--po2 99", "--po2 must be in 4..24")]
    [InlineData("--params no-such-set", "no-such-set")]
    [InlineData("--deadline yesterday", "--deadline 'yesterday'")]
    [InlineData("--deadline 2001-01-01T00:00:00Z", "has already passed")]
    [InlineData("--deadline +0", "positive number of minutes")]
    [InlineData("--input-hex zz", "--input-hex is not valid hex")]
    [InlineData("--input-hex 00 --input-text x", "at most one")]
    [InlineData("--max-cycles 0", "--max-cycles")]
    [InlineData("--execute-only -o r.bin", "execute-only")]
    public void Job_submit_refuses_bad_arguments_before_contacting_the_node(string args, string expected)
    {
        // The node address is closed: reaching it would give exit 1, not 2.
        var (code, output, err) = Run(["job", "submit", Sha256Elf(), "--api-key", "k", "--node", "http://127.0.0.1:9", .. args.Split(' ')]);
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        Assert.Contains(expected, err);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("receipt")]
    [InlineData("cancel")]
    public void Job_commands_refuse_a_malformed_id(string command)
    {
        var (code, _, err) = Run("job", command, "../etc", "--api-key", "k");
        Assert.Equal(2, code);
        Assert.Contains("'../etc' is not a job id", err);
    }

    [Fact]
    public void Job_commands_without_an_api_key_anywhere_say_where_they_looked()
    {
        var (code, _, err) = Run("job", "status", JobId, "--data-dir", _home);
        Assert.Equal(2, code);
        Assert.Contains("No API key", err);
        Assert.Contains("VERITY_API_KEY", err);
    }

    [Fact]
    public void Missing_elf_is_an_argument_error()
    {
        var (code, _, err) = Run("job", "submit", Path.Combine(_home, "missing.elf"), "--api-key", "k");
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
    }

    [Fact]
    public void An_unreachable_node_exits_1_naming_the_problem()
    {
        var (code, _, err) = Run("job", "status", JobId, "--api-key", "k", "--node", "http://127.0.0.1:9");
        Assert.Equal(1, code);
        Assert.Contains("cannot reach the node", err);
    }

    [Theory]
    [InlineData("", "give -c N")]
    [InlineData("-c 0", "-c must be at least 1")]
    [InlineData("-c 10 --elf /nonexistent/loop.elf", "leave --elf out to use the embedded loop guest")]
    [InlineData("-c 10 --elf ELF --po2 3", "--po2 must be in 4..24")]
    [InlineData("-c 10 --elf ELF --node localhost:8547", "not an absolute http:// or https:// URL")]
    [InlineData("-c -5", "Cannot parse argument '-5'")]
    public void Bench_c_refuses_bad_arguments_with_exit_2(string args, string expected)
    {
        string[] a = args.Length == 0 ? [] : [.. args.Split(' ').Select(x => x == "ELF" ? Sha256Elf() : x)];
        var (code, output, err) = Run(["bench", .. a]);
        Assert.True(code == 2, $"exit {code}: {output}{err}");
        Assert.Contains(expected, err);
    }

    [Fact]
    public void Bench_c_proves_the_loop_input_through_a_node_and_reports_throughput()
    {
        using var node = new FakeJobNode("k", new string('a', 64)) { PollsUntilDone = 2 };
        var (code, output, err) = Run("bench", "-c", "1000", "--elf", Sha256Elf(), "--po2", "16", "--params", "insecure-test", "--node", node.BaseAddress, "--api-key", "k", "--json");

        Assert.True(code == 0, output + err);
        Assert.Equal(new byte[] { 0xe8, 0x03, 0, 0 }, Assert.Single(node.Inputs)); // 1000 as a little-endian u32
        var job = Assert.Single(node.Jobs);
        Assert.Equal((16, "insecure-test"), (job.SegmentPo2, job.Parameters));
        using var doc = JsonDocument.Parse(output.Trim());
        var root = doc.RootElement;
        Assert.Equal("succeeded", root.GetProperty("state").GetString());
        Assert.Equal(36_000, root.GetProperty("cycles").GetInt64());
        Assert.Equal(2, root.GetProperty("segments").GetInt32());
        double wallMs = root.GetProperty("wall_ms").GetDouble();
        Assert.InRange(wallMs, 1000, 60_000); // the fake node's job ran from 2 s before its last poll
        Assert.Equal(36_000 / wallMs, root.GetProperty("khz").GetDouble(), 6);
        var phases = root.GetProperty("phases_ms");
        Assert.True(phases.TryGetProperty("execute", out _) && phases.TryGetProperty("prove", out _) && phases.TryGetProperty("finalize", out _), phases.GetRawText());
        Assert.Contains(node.BaseAddress, root.GetProperty("node").GetString());
    }

    [Fact]
    public void Bench_c_without_elf_proves_the_embedded_loop_guest_with_no_guest_build_directory()
    {
        // The CLI runs in an empty directory: no guest/build/loop.elf anywhere it could look. Real proving on an
        // embedded node (insecure-test parameters keep it to seconds); cycles ≈ 18 per iteration shows it ran the loop.
        Assert.False(Directory.Exists(Path.Combine(_home, "guest")));
        var (code, output, err) = Run("bench", "-c", "200", "--po2", "14", "--params", "insecure-test", "--json");

        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output.Trim());
        var root = doc.RootElement;
        Assert.Equal("succeeded", root.GetProperty("state").GetString());
        Assert.Contains("embedded", root.GetProperty("elf").GetString());
        long cycles = root.GetProperty("cycles").GetInt64();
        Assert.InRange(cycles, 18 * 200, 18 * 200 + 20_000);
    }

    [Fact]
    public void Submit_wait_follows_the_job_and_downloads_the_receipt_with_the_key_from_secrets_json()
    {
        string elf = Sha256Elf();
        using var node = new FakeJobNode("key-from-secrets", ImageIdOf(elf)) { PollsUntilDone = 1 };
        var dataDir = Directory.CreateDirectory(Path.Combine(_home, "node"));
        File.WriteAllText(Path.Combine(dataDir.FullName, "secrets.json"), "{\"apiKey\": \"key-from-secrets\", \"agentToken\": \"t\"}");
        string receipt = Path.Combine(_home, "out.receipt");

        // The fake node's receipt is not a proof: verified (the default), the job is reported and nothing is written.
        var (refused, _, refusedErr) = Run("job", "submit", elf, "--input-text", "abc", "--po2", "12", "--params", "insecure-test",
            "--node", node.BaseAddress, "--data-dir", dataDir.FullName, "-o", receipt, "--json");
        Assert.Equal(1, refused);
        Assert.Contains("does not verify against image", refusedErr);
        Assert.False(File.Exists(receipt));
        node.Requests.Clear();

        var (code, output, err) = Run("job", "submit", elf, "--input-text", "abc", "--po2", "12", "--params", "insecure-test", "--priority", "5",
            "--deadline", "+30", "--node", node.BaseAddress, "--data-dir", dataDir.FullName, "-o", receipt, "--json", "--no-verify");

        Assert.True(code == 0, output + err);
        using var doc = JsonDocument.Parse(output.Trim());
        var root = doc.RootElement;
        Assert.Equal("succeeded", root.GetProperty("state").GetString());
        Assert.Equal(36_000, root.GetProperty("cycles").GetInt64());
        Assert.Equal("6869", root.GetProperty("journal_hex").GetString());
        Assert.Equal(receipt, root.GetProperty("receipt").GetString());
        Assert.Equal(node.Receipt, File.ReadAllBytes(receipt));
        var job = Assert.Single(node.Jobs, j => j.Priority == 5);
        Assert.Equal((12, "insecure-test", 5), (job.SegmentPo2, job.Parameters, job.Priority));
        Assert.InRange(job.Deadline!.Value, DateTimeOffset.UtcNow.AddMinutes(25), DateTimeOffset.UtcNow.AddMinutes(31));
        Assert.Equal(["POST /v1/images", "POST /v1/inputs", "POST /v1/jobs"], node.Requests.Take(3));
    }

    [Fact]
    public void Submit_without_wait_prints_the_job_id_and_status_receipt_cancel_work_on_it()
    {
        string elf = Sha256Elf();
        using var node = new FakeJobNode("k1", ImageIdOf(elf)) { PollsUntilDone = 100 };

        var (code, output, err) = Run("job", "submit", elf, "--node", node.BaseAddress, "--api-key", "k1");
        Assert.True(code == 0, output + err);
        string jobId = output.Trim();
        Assert.True(TaskIds.IsValidJobId(jobId), output);

        var (s, status, serr) = Run("job", "status", jobId, "--node", node.BaseAddress, "--api-key", "k1", "--json");
        Assert.True(s == 0, status + serr);
        using (var doc = JsonDocument.Parse(status.Trim()))
        {
            Assert.Equal(jobId, doc.RootElement.GetProperty("jobId").GetString());
            Assert.Equal("running", doc.RootElement.GetProperty("state").GetString());
        }
        var (h, human, _) = Run("job", "status", jobId, "--node", node.BaseAddress, "--api-key", "k1");
        Assert.Equal(0, h);
        Assert.Contains("prove tasks", human);
        Assert.Contains("1/3 done", human);

        string file = Path.Combine(_home, "r.bin");
        // The fake node's receipt is not a proof: verified (the default), it is refused and not written.
        var (bad, _, badErr) = Run("job", "receipt", jobId, "--node", node.BaseAddress, "--api-key", "k1", "-o", file);
        Assert.Equal(1, bad);
        Assert.Contains($"The receipt of job {jobId} does not verify against image {node.ImageId}", badErr);
        Assert.False(File.Exists(file));
        var (r, rout, rerr) = Run("job", "receipt", jobId, "--node", node.BaseAddress, "--api-key", "k1", "-o", file, "--no-verify");
        Assert.True(r == 0, rout + rerr);
        Assert.Contains("(not verified)", rout);
        Assert.Equal(node.Receipt, File.ReadAllBytes(file));

        var (c, cout, _) = Run("job", "cancel", jobId, "--node", node.BaseAddress, "--api-key", "k1");
        Assert.Equal(0, c);
        Assert.Contains("cancelled", cout);
    }

    [Fact]
    public void Node_refusals_exit_1_with_the_status_and_the_nodes_message()
    {
        using var node = new FakeJobNode("right-key", new string('0', 64));
        var (code, _, err) = Run("job", "status", JobId, "--node", node.BaseAddress, "--api-key", "wrong-key");
        Assert.Equal(1, code);
        Assert.Contains("HTTP 401", err);
        Assert.Contains("missing or wrong API key", err);

        var (code2, _, err2) = Run("job", "status", JobId, "--node", node.BaseAddress, "--api-key", "right-key");
        Assert.Equal(1, code2);
        Assert.Contains("HTTP 404", err2);
        Assert.Contains($"no job {JobId}", err2);
    }

    [Fact]
    public void A_failed_job_exits_1_with_its_error()
    {
        string elf = Sha256Elf();
        using var node = new FakeJobNode("k", ImageIdOf(elf)) { PollsUntilDone = 1, Outcome = JobState.Failed };
        var (code, _, err) = Run("job", "submit", elf, "--node", node.BaseAddress, "--api-key", "k", "--wait");
        Assert.Equal(1, code);
        Assert.Contains("failed", err);
        Assert.Contains("out of memory", err);
    }

    [Fact]
    public void A_node_computing_another_image_id_is_reported()
    {
        using var node = new FakeJobNode("k", new string('f', 64));
        var (code, _, err) = Run("job", "submit", Sha256Elf(), "--node", node.BaseAddress, "--api-key", "k");
        Assert.Equal(1, code);
        Assert.Contains("different zkVM version", err);
    }
}
