using System.Net;
using System.Text;
using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;

namespace Verity.Node.Tests;

/// <summary>The client REST API over real HTTP: every route's happy path and the bad inputs that must store nothing.</summary>
public sealed class JobApiTests
{
    [Fact]
    public async Task Image_upload_stores_the_elf_under_its_image_id_once()
    {
        await using var node = await TestNode.StartAsync();
        using var first = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes(TestNode.Elf));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var image = await TestNode.ReadAsync<ImageUploaded>(first);
        Assert.Equal(64, image.ImageId.Length);
        Assert.Equal(TestNode.Elf.Length, image.Bytes);
        Assert.Equal($"/v1/images/{image.ImageId}", first.Headers.Location?.OriginalString);
        Assert.Equal(TestNode.Elf, await node.Blobs.GetAsync(BlobKeys.Image(image.ImageId)));

        using var again = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes(TestNode.Elf));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(image.ImageId, (await TestNode.ReadAsync<ImageUploaded>(again)).ImageId);
    }

    [Fact]
    public async Task Put_image_checks_the_id()
    {
        await using var node = await TestNode.StartAsync();
        string imageId = await node.UploadImageAsync();
        await node.Blobs.DeleteAsync(BlobKeys.Image(imageId));

        using var right = await node.SendAsync(HttpMethod.Put, $"/v1/images/{imageId}", TestNode.Bytes(TestNode.Elf));
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);

        string other = new('0', 64);
        using var wrong = await node.SendAsync(HttpMethod.Put, $"/v1/images/{other}", TestNode.Bytes(TestNode.Elf));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains($"image id is {imageId}, not {other}", await TestNode.ErrorOf(wrong));

        using var notAnId = await node.SendAsync(HttpMethod.Put, "/v1/images/xyz", TestNode.Bytes(TestNode.Elf));
        Assert.Equal(HttpStatusCode.BadRequest, notAnId.StatusCode);
        Assert.Contains("'xyz' is not an image id", await TestNode.ErrorOf(notAnId));
        Assert.False(await node.Blobs.ExistsAsync(BlobKeys.Image(other)));
    }

    [Fact]
    public async Task Malformed_elf_is_refused_and_nothing_is_stored()
    {
        await using var node = await TestNode.StartAsync();
        using var garbage = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes(Encoding.ASCII.GetBytes("this is not an ELF file at all")));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.StartsWith("malformed ELF: ", await TestNode.ErrorOf(garbage));

        var truncated = TestNode.Elf.AsSpan(0, 100).ToArray();
        using var cut = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes(truncated));
        Assert.Equal(HttpStatusCode.BadRequest, cut.StatusCode);
        Assert.StartsWith("malformed ELF: ", await TestNode.ErrorOf(cut));

        using var empty = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes([]));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("the image is empty", await TestNode.ErrorOf(empty));
        Assert.Equal(0, await node.BlobCountAsync(""));
    }

    [Fact]
    public async Task Oversized_image_is_refused_before_it_is_read()
    {
        await using var node = await TestNode.StartAsync(o => o with { Broker = o.Broker with { MaxImageBytes = 1000 } });
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/images", TestNode.Bytes(TestNode.Elf));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal($"the image is {TestNode.Elf.Length} bytes; the limit is 1000", await TestNode.ErrorOf(response));
        Assert.Equal(0, await node.BlobCountAsync(""));
    }

    [Fact]
    public async Task Input_upload_is_content_addressed()
    {
        await using var node = await TestNode.StartAsync();
        byte[] input = [1, 2, 3, 4, 5];
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes(input));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var uploaded = await TestNode.ReadAsync<InputUploaded>(response);
        Assert.Equal(JobService.InputId(input), uploaded.InputId);
        Assert.Equal(5, uploaded.Bytes);
        Assert.Equal(input, await node.Blobs.GetAsync(BlobKeys.Input(uploaded.InputId)));
    }

    [Fact]
    public async Task Oversized_input_is_refused_with_or_without_a_content_length()
    {
        await using var node = await TestNode.StartAsync();
        using var declared = await node.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes(new byte[5000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("the input is 5000 bytes; the limit is 4096", await TestNode.ErrorOf(declared));

        // Chunked: no Content-Length, so the cap applies while reading.
        var chunked = new StreamContent(new MemoryStream(new byte[5000]));
        chunked.Headers.ContentLength = null;
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inputs") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add(JobApi.ApiKeyHeader, TestNode.ApiKey);
        using var streamed = await node.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal("the input is larger than the limit of 4096 bytes", await TestNode.ErrorOf(streamed));
        Assert.Equal(0, await node.BlobCountAsync(""));

        // An input at the limit is fine.
        using var atLimit = await node.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes(new byte[4096]));
        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
    }

    public static TheoryData<string, string> ProtectedRoutes => new()
    {
        { "POST", "/v1/images" },
        { "PUT", $"/v1/images/{new string('a', 64)}" },
        { "POST", "/v1/inputs" },
        { "POST", "/v1/jobs" },
        { "GET", $"/v1/jobs/{new string('a', 32)}" },
        { "GET", $"/v1/jobs/{new string('a', 32)}/receipt" },
        { "POST", $"/v1/jobs/{new string('a', 32)}/cancel" },
    };

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Missing_or_wrong_api_key_is_401_and_stores_nothing(string method, string path)
    {
        await using var node = await TestNode.StartAsync();
        foreach (var (key, message) in new[] { ((string?)null, "missing API key"), ("wrong-key-0123456789abcdef", "wrong API key") })
        {
            using var response = await node.SendAsync(new HttpMethod(method), path, TestNode.Bytes(TestNode.Elf), apiKey: key);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith(message, await TestNode.ErrorOf(response));
        }
        Assert.Equal(0, await node.BlobCountAsync(""));
        Assert.Equal(0, await node.Store.JobCountAsync());
    }

    [Fact]
    public async Task Any_configured_api_key_is_accepted()
    {
        const string second = "second-key-0123456789abcdef";
        await using var node = await TestNode.StartAsync(o => o with { ApiKeys = [TestNode.ApiKey, second] });
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/inputs", TestNode.Bytes([1]), apiKey: second);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Create_job_then_status_shows_its_task_graph()
    {
        await using var node = await TestNode.StartAsync();
        string imageId = await node.UploadImageAsync();
        string inputId = await node.UploadInputAsync();
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs",
            TestNode.Json($$"""{"imageId":"{{imageId}}","inputId":"{{inputId}}","segmentPo2":12,"priority":3}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        string jobId = (await TestNode.ReadAsync<JobCreated>(response)).JobId;
        Assert.True(TaskIds.IsValidJobId(jobId));
        Assert.Equal($"/v1/jobs/{jobId}", response.Headers.Location?.OriginalString);

        var status = await node.StatusAsync(jobId);
        Assert.Equal(JobState.Running, status.State);
        Assert.Equal(imageId, status.ImageId);
        Assert.Equal(inputId, status.InputId);
        Assert.Equal(12, status.SegmentPo2);
        Assert.Equal(1, status.Tasks["execute"].Ready);
        Assert.Equal(0, status.Tasks["prove"].Total);
        Assert.Equal(0, status.Tasks["finalize"].Total);
    }

    [Fact]
    public async Task Job_for_a_missing_image_or_input_is_404()
    {
        await using var node = await TestNode.StartAsync();
        string imageId = await node.UploadImageAsync();
        string inputId = await node.UploadInputAsync();
        string missing = new('f', 64);

        using var noImage = await node.SendAsync(HttpMethod.Post, "/v1/jobs", TestNode.Json($$"""{"imageId":"{{missing}}","inputId":"{{inputId}}"}"""));
        Assert.Equal(HttpStatusCode.NotFound, noImage.StatusCode);
        Assert.Contains($"image {missing} is not uploaded", await TestNode.ErrorOf(noImage));

        using var noInput = await node.SendAsync(HttpMethod.Post, "/v1/jobs", TestNode.Json($$"""{"imageId":"{{imageId}}","inputId":"{{missing}}"}"""));
        Assert.Equal(HttpStatusCode.NotFound, noInput.StatusCode);
        Assert.Contains($"input {missing} is not uploaded", await TestNode.ErrorOf(noInput));
        Assert.Equal(0, await node.Store.JobCountAsync());
    }

    [Fact]
    public async Task Oversized_job_request_is_413()
    {
        await using var node = await TestNode.StartAsync();
        string padding = new(' ', 70_000);
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs", TestNode.Json("{" + padding + "}"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("the job request is", await TestNode.ErrorOf(response));
    }

    [Fact]
    public async Task Receipt_of_a_running_or_execute_only_job_is_409()
    {
        await using var node = await TestNode.StartAsync();
        string running = await node.CreateJobAsync();
        using var response = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{running}/receipt");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("still running", await TestNode.ErrorOf(response));

        string preflight = await node.CreateJobAsync(executeOnly: true);
        using var none = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{preflight}/receipt");
        Assert.Equal(HttpStatusCode.Conflict, none.StatusCode);
        Assert.Contains("execute-only", await TestNode.ErrorOf(none));
    }

    [Fact]
    public async Task Cancel_ends_the_job_and_a_second_cancel_is_409()
    {
        await using var node = await TestNode.StartAsync();
        string jobId = await node.CreateJobAsync();
        using var first = await node.SendAsync(HttpMethod.Post, $"/v1/jobs/{jobId}/cancel");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var status = await TestNode.ReadAsync<JobStatusView>(first);
        Assert.Equal(JobState.Cancelled, status.State);
        Assert.Equal(1, status.Tasks["execute"].Cancelled);

        using var second = await node.SendAsync(HttpMethod.Post, $"/v1/jobs/{jobId}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal($"job {jobId} already cancelled", await TestNode.ErrorOf(second));

        using var receipt = await node.SendAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/receipt");
        Assert.Equal(HttpStatusCode.Conflict, receipt.StatusCode);
    }

    [Fact]
    public async Task Simulated_jobs_are_accepted_when_the_node_allows_them()
    {
        await using var node = await TestNode.StartAsync(o => o with { Broker = o.Broker with { AllowSimulation = true } });
        string imageId = await node.UploadImageAsync();
        string inputId = await node.UploadInputAsync();
        using var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs",
            TestNode.Json($$$"""{"imageId":"{{{imageId}}}","inputId":"{{{inputId}}}","simulation":{"taskDelayMs":5}}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True((await node.StatusAsync((await TestNode.ReadAsync<JobCreated>(response)).JobId)).Simulated);
    }
}
