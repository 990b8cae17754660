using System.Net;
using Verity.Cluster.Blobs;

namespace Verity.Node.Tests;

/// <summary>The agents' blob proxy: token, key validation, the jobs/ write rule, the size cap.</summary>
public sealed class BlobProxyTests
{
    [Fact]
    public async Task Put_get_head_delete_round_trip_under_jobs()
    {
        await using var node = await TestNode.StartAsync();
        const string key = "jobs/0123456789abcdef0123456789abcdef/proofs/3";
        byte[] data = [9, 8, 7];
        using (var put = await node.BlobAsync(HttpMethod.Put, key, data)) Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        Assert.Equal(data, await node.Blobs.GetAsync(key));

        using (var get = await node.BlobAsync(HttpMethod.Get, key))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
            Assert.Equal(data, await get.Content.ReadAsByteArrayAsync());
        }
        using (var head = await node.BlobAsync(HttpMethod.Head, key)) Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using (var delete = await node.BlobAsync(HttpMethod.Delete, key)) Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using (var gone = await node.BlobAsync(HttpMethod.Get, key))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal($"no blob '{key}'", await TestNode.ErrorOf(gone));
        }
        using (var headGone = await node.BlobAsync(HttpMethod.Head, key)) Assert.Equal(HttpStatusCode.NotFound, headGone.StatusCode);
    }

    [Fact]
    public async Task Agents_read_images_and_inputs_but_write_only_under_jobs()
    {
        await using var node = await TestNode.StartAsync();
        string imageId = await node.UploadImageAsync();
        using (var get = await node.BlobAsync(HttpMethod.Get, BlobKeys.Image(imageId)))
            Assert.Equal(TestNode.Elf, await get.Content.ReadAsByteArrayAsync());

        using (var put = await node.BlobAsync(HttpMethod.Put, BlobKeys.Image(imageId), [1, 2]))
        {
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
            Assert.Equal($"agents may only write blobs under jobs/, not 'images/{imageId}'", await TestNode.ErrorOf(put));
        }
        using (var delete = await node.BlobAsync(HttpMethod.Delete, BlobKeys.Image(imageId))) Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        using (var other = await node.BlobAsync(HttpMethod.Put, "inputs/abc", [1])) Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(TestNode.Elf, await node.Blobs.GetAsync(BlobKeys.Image(imageId)));
        Assert.False(await node.Blobs.ExistsAsync("inputs/abc"));
    }

    [Theory]
    [InlineData("jobs/ABC/run")]
    [InlineData("jobs//run")]
    [InlineData("jobs/x%20y")]
    [InlineData("jobs/x%2F..%2F..%2Fimages")]
    [InlineData("jobs/run/")]
    public async Task Invalid_keys_are_400(string key)
    {
        await using var node = await TestNode.StartAsync();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete })
        {
            using var response = await node.BlobAsync(method, key, method == HttpMethod.Put ? [1] : null);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("is not a valid blob key", await TestNode.ErrorOf(response));
        }
        Assert.Equal(0, await node.BlobCountAsync(""));
    }

    [Fact]
    public async Task Token_is_required()
    {
        await using var node = await TestNode.StartAsync();
        const string key = "jobs/0123456789abcdef0123456789abcdef/run";
        foreach (var token in new[] { null, "not-the-token-0123456789abcdef", TestNode.ApiKey })
        {
            using var put = await node.BlobAsync(HttpMethod.Put, key, [1], token);
            Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
            using var get = await node.BlobAsync(HttpMethod.Get, key, token: token);
            Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        }
        Assert.False(await node.Blobs.ExistsAsync(key));
    }

    [Fact]
    public async Task Oversized_upload_is_413()
    {
        await using var node = await TestNode.StartAsync(o => o with { MaxAgentBlobBytes = 100 });
        const string key = "jobs/0123456789abcdef0123456789abcdef/run";
        using var response = await node.BlobAsync(HttpMethod.Put, key, new byte[101]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal($"blob '{key}' is 101 bytes; the limit is 100", await TestNode.ErrorOf(response));
        Assert.False(await node.Blobs.ExistsAsync(key));
    }
}
