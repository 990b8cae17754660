using System.Security.Cryptography;
using Verity.Broker.Config;
using Verity.Broker.Orders;
using Verity.Broker.Preflight;
using Verity.Broker.Tests.Support;
using Verity.Cli.Tests;
using Verity.Market.Proving;

namespace Verity.Broker.Tests.Preflight;

// Inside the namespace: the Verity.Guests namespace (the example guests) would otherwise hide the test guests.

/// <summary>Preflight against a real embedded node: the example guests from file:// URLs, execute-only jobs.</summary>
public sealed class PreflightRunnerTests(NodeFixture node) : IClassFixture<NodeFixture>, IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("verity-preflight-cache-").FullName;
    private readonly HttpClient _http = new();

    private PreflightRunner Runner(BrokerConfigSource? source = null) =>
        new(node.Cluster(source), new ResourceCache(new ResourceFetcher(_http), _cache));

    private static BrokerConfig Config(Func<MarketConfig, MarketConfig>? market = null) =>
        BrokerConfig.Default with { Market = (market ?? (m => m))(new MarketConfig()) };

    [Fact]
    public async Task Sha256_cycles_and_journal_come_from_the_cluster()
    {
        using var runner = Runner();
        byte[] input = "preflight me"u8.ToArray();
        var request = TestGuests.Request(TestGuests.Path("sha256"), input, 1000);

        var result = await runner.RunAsync(request, priority: false, Config(), CancellationToken.None);

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(SHA256.HashData(input), result.Journal);
        Assert.True(result.Cycles > 1000, $"cycles {result.Cycles}");
        Assert.Equal(Convert.ToHexStringLower(request.Requirements.ImageId), result.ImageId);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(input)), result.InputDigest);
        Assert.NotNull(result.JobId);
        Assert.Equal(1, runner.JobsCreated);
        // The image is cached on disk under its (checked) image id.
        Assert.True(File.Exists(Path.Combine(_cache, "images", result.ImageId + ".elf")));
    }

    [Fact]
    public async Task Loop_cycles_grow_with_the_iterations()
    {
        using var runner = Runner();
        var small = await runner.RunAsync(TestGuests.Request(TestGuests.Path("loop"), TestGuests.LoopInput(10), 1000), false, Config(), CancellationToken.None);
        var large = await runner.RunAsync(TestGuests.Request(TestGuests.Path("loop"), TestGuests.LoopInput(10_000), 1000), false, Config(), CancellationToken.None);
        Assert.True(small.Succeeded && large.Succeeded, small.Detail + large.Detail);
        // About 18 cycles an iteration (guest/examples/loop.c).
        Assert.InRange(large.Cycles!.Value - small.Cycles!.Value, 10 * 9_990, 30 * 9_990);
        Assert.Equal(BitConverter.GetBytes(10_000u), large.Journal![..4]);
    }

    [Fact]
    public async Task A_cache_hit_creates_no_second_job()
    {
        using var runner = Runner();
        byte[] input = "same program, same input"u8.ToArray();
        var first = await runner.RunAsync(TestGuests.Request(TestGuests.Path("sha256"), input, 1000), false, Config(), CancellationToken.None);
        // Another request (another id and URL spelling) of the same image and input.
        var second = await runner.RunAsync(TestGuests.Request(TestGuests.Path("sha256"), input, 2000), false, Config(), CancellationToken.None);

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.False(first.Cached);
        Assert.True(second.Cached);
        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(first.Journal, second.Journal);
        Assert.Equal(1, runner.JobsCreated);
    }

    [Fact]
    public async Task Concurrent_preflights_of_one_pair_share_one_job()
    {
        using var runner = Runner();
        byte[] input = TestGuests.LoopInput(50_000);
        var all = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            runner.RunAsync(TestGuests.Request(TestGuests.Path("loop"), input, (ulong)i), false, Config(), CancellationToken.None)));
        Assert.All(all, r => Assert.True(r.Succeeded, r.Detail));
        Assert.Single(all.Select(r => r.JobId).Distinct());
        Assert.Equal(1, runner.JobsCreated);
        Assert.Equal(3, all.Count(r => r.Cached));
    }

    [Fact]
    public async Task Cycle_limit_is_S011_and_a_priority_requestor_is_not_limited()
    {
        using var runner = Runner();
        // max_mcycle_limit 1 = 10^6 cycles; 100 000 iterations of the loop take about 1.8 M.
        var config = Config(m => m with { MaxMcycleLimit = 1 });
        var request = TestGuests.Request(TestGuests.Path("loop"), TestGuests.LoopInput(100_000), 1000);

        var limited = await runner.RunAsync(request, priority: false, config, CancellationToken.None);
        Assert.Equal(ReasonCodes.PreflightLimitExceeded, limited.Reason);
        Assert.Contains("1000000 cycles", limited.Detail);

        // The cached S-011 ran under a lower limit than a priority requestor's (none): it runs again.
        var priority = await runner.RunAsync(request, priority: true, config, CancellationToken.None);
        Assert.True(priority.Succeeded, priority.Detail);
        Assert.True(priority.Cycles > 1_000_000, $"cycles {priority.Cycles}");
        Assert.Equal(2, runner.JobsCreated);
    }

    [Fact]
    public async Task An_elf_with_another_image_id_is_S010()
    {
        using var runner = Runner();
        // The request names sha256's image id; its URL serves the loop guest.
        var request = TestGuests.Request(TestGuests.Path("sha256"), [1, 2, 3], 1000, imageUrl: TestGuests.FileUrl(TestGuests.Path("loop")));

        var result = await runner.RunAsync(request, false, Config(), CancellationToken.None);

        Assert.Equal(ReasonCodes.ImageIdMismatch, result.Reason);
        Assert.Contains(Convert.ToHexStringLower(TestGuests.ImageId(TestGuests.Path("loop"))), result.Detail);
        Assert.Equal(0, runner.JobsCreated);
        Assert.False(File.Exists(Path.Combine(_cache, "images", result.ImageId + ".elf")));
    }

    [Fact]
    public async Task Not_an_elf_is_S010()
    {
        using var runner = Runner();
        string junk = Path.Combine(_cache, "junk.elf");
        await File.WriteAllTextAsync(junk, "not an elf");
        var result = await runner.RunAsync(TestGuests.Request(TestGuests.Path("sha256"), [], 1000, imageUrl: TestGuests.FileUrl(junk)), false, Config(), CancellationToken.None);
        Assert.Equal(ReasonCodes.ImageIdMismatch, result.Reason);
        Assert.Contains("not a loadable guest ELF", result.Detail);
    }

    [Fact]
    public async Task Over_max_file_size_is_S009()
    {
        using var runner = Runner();
        string elf = TestGuests.Path("sha256");
        long size = new FileInfo(elf).Length;
        var config = Config(m => m with { MaxFileSize = size - 1 });

        var result = await runner.RunAsync(TestGuests.Request(elf, [1], 1000), false, config, CancellationToken.None);

        Assert.Equal(ReasonCodes.FetchFailed, result.Reason);
        Assert.Contains($"over the {size - 1}-byte limit", result.Detail);
        Assert.Equal(0, runner.JobsCreated);

        // An inline input over the limit is refused before anything is fetched.
        var big = await runner.RunAsync(TestGuests.Request(elf, new byte[100], 1000), false, Config(m => m with { MaxFileSize = 99 }), CancellationToken.None);
        Assert.Equal(ReasonCodes.FetchFailed, big.Reason);
        Assert.Contains("over max_file_size 99", big.Detail);
    }

    [Fact]
    public async Task A_missing_file_is_S009()
    {
        using var runner = Runner();
        var result = await runner.RunAsync(TestGuests.Request(TestGuests.Path("sha256"), [], 1000, imageUrl: TestGuests.FileUrl(Path.Combine(_cache, "absent.elf"))),
            false, Config(), CancellationToken.None);
        Assert.Equal(ReasonCodes.FetchFailed, result.Reason);
        Assert.Contains("no such file", result.Detail);
    }

    [Fact]
    public async Task A_url_input_is_fetched_and_cached_on_disk()
    {
        using var runner = Runner();
        string inputFile = Path.Combine(_cache, "input.bin");
        await File.WriteAllBytesAsync(inputFile, "from a url"u8.ToArray());
        var request = TestGuests.Request(TestGuests.Path("sha256"), [], 1000);
        request.Input = new Verity.Chain.Contracts.RequestInput { InputType = 1, Data = System.Text.Encoding.UTF8.GetBytes(TestGuests.FileUrl(inputFile)) };

        var result = await runner.RunAsync(request, false, Config(), CancellationToken.None);

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(SHA256.HashData("from a url"u8), result.Journal);
        Assert.Single(Directory.GetFiles(Path.Combine(_cache, "inputs")));
    }

    [Fact]
    public async Task A_guest_exiting_non_zero_is_S012()
    {
        using var runner = Runner();
        string elf = TinyElf.Write(Path.Combine(_cache, "exit3.elf"), exitCode: 3);

        var result = await runner.RunAsync(TestGuests.Request(elf, [], 1000), false, Config(), CancellationToken.None);

        Assert.Equal(ReasonCodes.GuestFailed, result.Reason);
        Assert.Contains("exited with code 3", result.Detail);
    }

    [Fact]
    public async Task A_faulting_guest_is_S012()
    {
        using var runner = Runner();
        // An all-zero word is an illegal instruction.
        string elf = TinyElf.Write(Path.Combine(_cache, "fault.elf"), exitCode: 0, program: [0x00000000]);

        var result = await runner.RunAsync(TestGuests.Request(elf, [], 1000), false, Config(), CancellationToken.None);

        Assert.Equal(ReasonCodes.GuestFailed, result.Reason);
        Assert.Contains("guest execution failed", result.Detail);
    }

    [Fact]
    public async Task An_unreachable_cluster_is_S024_and_not_cached()
    {
        // A node URL nobody listens on: port 1 on loopback refuses connections.
        using var client = new Verity.Cluster.Client.NodeClient(new Uri("http://127.0.0.1:1/"), NodeFixture.ApiKey);
        var source = new BrokerConfigSource(BrokerConfig.Default with { Prover = new ProverConfig { ReqRetryCount = 1, ReqRetrySleepMilliseconds = 1 } });
        using var cluster = new Verity.Broker.Cluster.NodeCluster(client, source);
        using var runner = new PreflightRunner(cluster, new ResourceCache(new ResourceFetcher(_http), _cache));
        var request = TestGuests.Request(TestGuests.Path("sha256"), [9], 1000);

        var first = await runner.RunAsync(request, false, Config(), CancellationToken.None);
        var again = await runner.RunAsync(request, false, Config(), CancellationToken.None);

        Assert.Equal(ReasonCodes.PreflightFailed, first.Reason);
        Assert.Contains("before the preflight job was created", first.Detail);
        Assert.False(again.Cached);
    }

    public void Dispose()
    {
        _http.Dispose();
        try { Directory.Delete(_cache, recursive: true); } catch (IOException) { }
    }
}
