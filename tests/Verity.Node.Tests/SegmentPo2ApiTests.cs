using System.Net;
using Verity.Zkvm.Proving;

namespace Verity.Node.Tests;

/// <summary>POST /v1/jobs takes the zkVM's one segment po2 range and refuses, when the job is created, a size the prover would refuse for security.</summary>
public sealed class SegmentPo2ApiTests(SharedNode shared) : IClassFixture<SharedNode>
{
    [Theory]
    [InlineData(ZkvmProveOptions.MinSegmentPo2 - 1, "default", "segmentPo2 3 is outside 4..24")]
    [InlineData(ZkvmProveOptions.MaxSegmentPo2 + 1, "default", "segmentPo2 25 is outside 4..24")]
    [InlineData(24, "default", "segmentPo2 24: segment po2 24 with parameters 'default' gives 99 provable bits")]
    [InlineData(24, "default", "below the verifier's minimum of 100: use po2 23 or less")]
    public async Task A_segment_size_outside_the_range_or_too_weak_is_400(int po2, string parameters, string expected)
    {
        var node = shared.Node;
        string imageId = await node.UploadImageAsync();
        string inputId = await node.UploadInputAsync();
        long jobs = await node.Store.JobCountAsync();
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs",
            TestNode.Json($$"""{"imageId":"{{imageId}}","inputId":"{{inputId}}","segmentPo2":{{po2}},"parameters":"{{parameters}}"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await TestNode.ErrorOf(response));
        Assert.Equal(jobs, await node.Store.JobCountAsync());
    }

    [Theory]
    [InlineData(ZkvmProveOptions.MinSegmentPo2, "default", false)]
    [InlineData(23, "default", false)]
    [InlineData(24, "default", true)]        // execute-only: no proof, so no proof security to refuse it for
    [InlineData(24, "insecure-test", false)] // an insecure set is refused by verifiers outright, not by size
    public async Task Every_size_in_the_range_the_prover_takes_is_201(int po2, string parameters, bool executeOnly)
    {
        await using var node = await TestNode.StartAsync();
        string imageId = await node.UploadImageAsync();
        string inputId = await node.UploadInputAsync();
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs",
            TestNode.Json($$"""{"imageId":"{{imageId}}","inputId":"{{inputId}}","segmentPo2":{{po2}},"parameters":"{{parameters}}","executeOnly":{{(executeOnly ? "true" : "false")}}}"""));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }
}
