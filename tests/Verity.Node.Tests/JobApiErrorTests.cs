using System.Net;
using Verity.Cluster.Jobs;

namespace Verity.Node.Tests;

/// <summary>Requests the REST API must refuse, naming the problem; they store no job, so they share a node.</summary>
public sealed class JobApiErrorTests(SharedNode shared) : IClassFixture<SharedNode>
{
    public static TheoryData<string, string> BadJobRequests => new()
    {
        { "{not json", "malformed job request: " },
        { "", "malformed job request: " },
        { "null", "malformed job request: expected a JSON object, got null" },
        { "[1,2]", "malformed job request: " },
        { """{"imageId":"IMG","segmentPo2":"twelve"}""", "a value of the wrong type at $.segmentPo2 (expected an integer)" },
        { """{"imageId":"IMG","inputId":"INP","exceuteOnly":true}""", "unknown field 'exceuteOnly'" },
        { """{"inputId":"INP"}""", "imageId is required" },
        { """{"imageId":"abc","inputId":"INP"}""", "imageId 'abc' is not 64 hex digits" },
        { """{"imageId":"IMG","inputId":"INP","segmentPo2":30}""", "segmentPo2 30 is outside 4..24" },
        { """{"imageId":"IMG","inputId":"INP","parameters":"nope"}""", "unknown parameter set 'nope'" },
        { """{"imageId":"IMG","inputId":"INP","simulation":{"taskDelayMs":1}}""", "simulated proving is off" },
        { """{"imageId":"IMG","inputId":"INP","deadline":"2001-01-01T00:00:00Z"}""", "has passed" },
    };

    [Theory]
    [MemberData(nameof(BadJobRequests))]
    public async Task Bad_job_request_is_400_naming_the_problem(string body, string expected)
    {
        var node = shared.Node;
        string imageId = await node.UploadImageAsync();
        string inputId = await node.UploadInputAsync();
        long jobs = await node.Store.JobCountAsync();
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs", TestNode.Json(body.Replace("IMG", imageId).Replace("INP", inputId)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await TestNode.ErrorOf(response));
        Assert.Equal(jobs, await node.Store.JobCountAsync());
    }

    [Theory]
    [InlineData("GET", "")]
    [InlineData("GET", "/receipt")]
    [InlineData("POST", "/cancel")]
    public async Task Unknown_job_is_404_and_a_malformed_id_400(string method, string suffix)
    {
        var node = shared.Node;
        string unknown = TaskIds.NewJobId();
        using var missing = await node.SendAsync(new HttpMethod(method), $"/v1/jobs/{unknown}{suffix}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal($"no job {unknown}", await TestNode.ErrorOf(missing));

        using var malformed = await node.SendAsync(new HttpMethod(method), $"/v1/jobs/not-a-job{suffix}");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("'not-a-job' is not a job id", await TestNode.ErrorOf(malformed));
    }

    [Theory]
    [InlineData("GET", "/v2/jobs")]
    [InlineData("GET", "/")]
    [InlineData("DELETE", "/v1/images")]
    [InlineData("GET", "/v1/inputs")]
    public async Task Unknown_route_is_404_json(string method, string path)
    {
        var node = shared.Node;
        using var response = await node.SendAsync(new HttpMethod(method), path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"no route for {method} {path}", await TestNode.ErrorOf(response));
    }
}
