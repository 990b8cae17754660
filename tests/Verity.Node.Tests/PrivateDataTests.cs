using System.Net;
using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Node.Configuration;
using Verity.Node.Tests.TestDoubles;

namespace Verity.Node.Tests;

/// <summary>What the node keeps is private to its user, and a receipt is served only intact.</summary>
public sealed class PrivateDataTests
{
    private const UnixFileMode Dir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_data_dir_is_0700_and_blobs_database_and_secrets_are_0600()
    {
        if (OperatingSystem.IsWindows()) return;
        string dataDir = TestNode.NewDataDir();
        try
        {
            // No configured secrets: the node generates secrets.json.
            await using (var node = await TestNode.StartAsync(o => o with { ApiKeys = [], AgentToken = null }, dataDir: dataDir))
            {
                var secrets = NodeSecrets.TryLoad(dataDir)!;
                using var upload = await node.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes("private"u8.ToArray()), apiKey: secrets.ApiKey);
                Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
                string inputId = (await TestNode.ReadAsync<InputUploaded>(upload)).InputId;

                Assert.Equal(Dir, File.GetUnixFileMode(dataDir));
                Assert.Equal(Dir, File.GetUnixFileMode(node.Node.Options.BlobDir));
                Assert.Equal(Dir, File.GetUnixFileMode(Path.Combine(node.Node.Options.BlobDir, "inputs")));
                Assert.Equal(File600, File.GetUnixFileMode(node.Blobs.PathOf(BlobKeys.Input(inputId))));
                Assert.Equal(File600, File.GetUnixFileMode(NodeSecrets.PathIn(dataDir)));
                Assert.Equal(File600, File.GetUnixFileMode(node.Node.Options.SqlitePath));
                foreach (string side in new[] { "-wal", "-shm" }.Select(s => node.Node.Options.SqlitePath + s).Where(File.Exists))
                    Assert.Equal(File600, File.GetUnixFileMode(side));
            }
        }
        finally
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_corrupted_receipt_is_a_500_naming_it_and_never_served()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        var finalize = await BlobProxyTests.DriveToFinalizeAsync(node, jobId);
        byte[] receipt = ScriptedTaskRunner.ReceiptFor(jobId);
        using (var put = await node.BlobAsync(HttpMethod.Put, BlobKeys.Receipt(jobId), receipt, lease: finalize.Lease))
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        await node.CallAsync(AgentRpc.ReportSuccess, new
        {
            agentId = "hand/0", lease = finalize.Lease, types = new[] { "finalize" },
            output = ClusterJson.Serialize(new FinalizeTaskOutput { ReceiptBytes = receipt.Length }),
        });
        Assert.Equal(JobState.Succeeded, (await node.StatusAsync(jobId)).State);

        // A bit flipped on disk.
        string path = node.Blobs.PathOf(BlobKeys.Receipt(jobId));
        byte[] raw = await File.ReadAllBytesAsync(path);
        raw[^1] ^= 1;
        await File.WriteAllBytesAsync(path, raw);
        using (var flipped = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/receipt"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, flipped.StatusCode);
            string error = await TestNode.ErrorOf(flipped);
            Assert.Contains($"the receipt of job {jobId} is corrupted and will not be served", error);
            Assert.Contains("SHA-256", error);
        }

        // Replaced (with a valid digest) by a receipt of another size than finalize recorded.
        await node.Blobs.DeleteAsync(BlobKeys.Receipt(jobId));
        await node.Blobs.PutAsync(BlobKeys.Receipt(jobId), "short"u8.ToArray());
        using (var resized = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/receipt"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, resized.StatusCode);
            Assert.Contains($"has 5 bytes, but finalize recorded {receipt.Length}", await TestNode.ErrorOf(resized));
        }
    }
}
