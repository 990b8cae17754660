using System.Diagnostics;
using System.Text.Json.Nodes;
using Verity.Chain.Contracts;

namespace Verity.Chain.Tests.Contracts;

public class ArtifactTests
{
    /// <summary>The committed artifacts are what the committed Solidity compiles to.</summary>
    [Fact]
    public async Task Committed_artifacts_match_a_fresh_compile()
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryFiles.Root };
        psi.ArgumentList.Add(Path.Combine("contracts", "compile.js"));
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));   // hang guard; it takes seconds
        Assert.True(node.ExitCode == 0, $"node contracts/compile.js failed: {await stderr}");
        var fresh = JsonNode.Parse(await stdout)!;

        foreach (var name in ContractArtifacts.Names)
            Assert.True(JsonNode.DeepEquals(fresh["src"]![name], JsonNode.Parse(ContractArtifacts.RawJson(name))),
                $"{name}: the embedded artifact differs from a fresh compile: run contracts/build.sh");
        foreach (var (name, node2) in fresh["test"]!.AsObject())
        {
            var path = Path.Combine(RepositoryFiles.Root, "tests", "Verity.Chain.Tests", "Contracts", "Artifacts", name + ".json");
            Assert.True(JsonNode.DeepEquals(node2, JsonNode.Parse(File.ReadAllText(path))), $"{name}: stale test artifact: run contracts/build.sh");
        }
    }

    [Fact]
    public void Every_artifact_loads_with_abi_and_bytecode()
    {
        foreach (var name in ContractArtifacts.Names)
        {
            var a = ContractArtifacts.Get(name);
            Assert.Equal(name, a.ContractName);
            Assert.True(a.Bytecode.Length > 100);
            Assert.StartsWith("[", a.AbiJson);
        }
        Assert.Throws<ArgumentException>(() => ContractArtifacts.Get("NoSuchContract"));
    }

    [Fact]
    public void MarketErrors_names_custom_errors_with_arguments_and_standard_reverts()
    {
        var id = RequestId.Create("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 7);
        var data = Nethereum.Util.Sha3Keccack.Current.CalculateHash(System.Text.Encoding.ASCII.GetBytes("RequestIsLocked(uint256)"))[..4]
            .Concat(id.ToByteArray(isUnsigned: true, isBigEndian: true).Reverse().Concat(new byte[32]).Take(32).Reverse()).ToArray();
        Assert.Equal($"RequestIsLocked(requestId={RequestId.Format(id)})", MarketErrors.Describe(data));

        var errorString = Convert.FromHexString("08c379a0" + "0000000000000000000000000000000000000000000000000000000000000020"
            + "0000000000000000000000000000000000000000000000000000000000000004" + "6f6f707300000000000000000000000000000000000000000000000000000000");
        Assert.Equal("Error(\"oops\")", MarketErrors.Describe(errorString));
        var panic = Convert.FromHexString("4e487b71" + "0000000000000000000000000000000000000000000000000000000000000011");
        Assert.Equal("Panic(0x11: arithmetic overflow or underflow)", MarketErrors.Describe(panic));
        Assert.Equal("reverted without data", MarketErrors.Describe([]));
        Assert.StartsWith("unknown error 0x12345678", MarketErrors.Describe([0x12, 0x34, 0x56, 0x78]));
    }
}
