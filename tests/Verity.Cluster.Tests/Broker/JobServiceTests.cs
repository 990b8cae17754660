using Verity.Cluster.Blobs;
using Verity.Cluster.Broker;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Store;

namespace Verity.Cluster.Tests.Broker;

/// <summary>Job creation against the segment cap and against cleanup deleting the job's image or input.</summary>
public sealed class JobServiceTests
{
    [Fact]
    public async Task DeclaredLimitsAllowingMoreSegmentsThanTheCap_AreRefused_AndTheDefaultLimitFits()
    {
        await using var h = await BrokerHarness.StartAsync(new BrokerOptions { MaxSegmentsPerJob = 100 });
        var (imageId, inputId) = await h.UploadAsync();
        var e = await Assert.ThrowsAsync<ClientErrorException>(() =>
            h.Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId, SegmentPo2 = 10, MaxCycles = 200_000 }));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal("maxCycles 200000 at segmentPo2 10 allows 196 segments; this node proves at most 100 per job " +
                     "(Broker:MaxSegmentsPerJob): lower maxCycles to 102400 or raise segmentPo2", e.Message);

        string job = (await h.Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId, SegmentPo2 = 10 })).JobId;
        Assert.Equal(100L << 10, (await h.Store.GetJobAsync(job))!.Spec.MaxCycles);
        string fits = (await h.Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId, SegmentPo2 = 10, MaxCycles = 102_400 })).JobId;
        Assert.Equal(102_400, (await h.Store.GetJobAsync(fits))!.Spec.MaxCycles);
    }

    [Fact]
    public async Task CleanupThatDeletesTheImageBetweenTheCheckAndTheInsert_IsCaught()
    {
        await using var h = await BrokerHarness.StartAsync();
        var (imageId, inputId) = await h.UploadAsync();
        // Right after the service saw the image, cleanup (no job uses it yet) claims it, deletes it and lets go.
        h.Blobs.HookKey = BlobKeys.Image(imageId);
        h.Blobs.AfterExists = async () => Assert.True(await h.Lifecycle.DeleteIfUnusedAsync(SharedBlob.Image, imageId, h.Clock.GetUtcNow()));
        var e = await Assert.ThrowsAsync<ClientErrorException>(() => h.Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId }));
        Assert.Equal(404, e.StatusCode);
        Assert.Contains($"image {imageId} was deleted by cleanup while the job was created", e.Message);
        Assert.False(await h.Files.ExistsAsync(BlobKeys.Image(imageId)));
        // The job row that was inserted does not run.
        Assert.Equal(0L, (await h.Store.StatsAsync()).JobsByState.GetValueOrDefault(JobState.Running));
    }

    [Fact]
    public async Task CleanupHoldingItsClaimWhileAJobIsCreated_MakesTheCreationWait_409()
    {
        await using var h = await BrokerHarness.StartAsync();
        var (imageId, inputId) = await h.UploadAsync();
        h.Blobs.HookKey = BlobKeys.Input(inputId);
        h.Blobs.AfterExists = async () => Assert.True(await h.Store.TryClaimBlobDeletionAsync(SharedBlob.Input, inputId, h.Clock.GetUtcNow()));
        var e = await Assert.ThrowsAsync<ClientErrorException>(() => h.Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId }));
        Assert.Equal(409, e.StatusCode);
        Assert.Contains($"input {inputId} is being deleted by cleanup", e.Message);
        Assert.Equal(0L, (await h.Store.StatsAsync()).JobsByState.Values.Sum());
    }

    [Fact]
    public async Task AJobCreatedBeforeCleanupLooks_KeepsItsBlobs()
    {
        await using var h = await BrokerHarness.StartAsync();
        var (imageId, inputId) = await h.UploadAsync();
        await h.Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId });
        Assert.False(await h.Lifecycle.DeleteIfUnusedAsync(SharedBlob.Image, imageId, h.Clock.GetUtcNow()));
        Assert.False(await h.Lifecycle.DeleteIfUnusedAsync(SharedBlob.Input, inputId, h.Clock.GetUtcNow()));
        Assert.True(await h.Files.ExistsAsync(BlobKeys.Image(imageId)));
        Assert.True(await h.Files.ExistsAsync(BlobKeys.Input(inputId)));
    }

    [Fact]
    public async Task RowsOfEndedJobs_AreDeletedAfterTheRetention_OnceTheirBlobsAreGone()
    {
        await using var h = await BrokerHarness.StartAsync(new BrokerOptions { RowRetention = TimeSpan.FromDays(7) });
        var (imageId, inputId) = await h.UploadAsync();
        string job = (await h.Jobs.CreateJobAsync(new CreateJobRequest { ImageId = imageId, InputId = inputId })).JobId;
        await h.Jobs.CancelAsync(job);
        Assert.Equal((0, 1), await h.Lifecycle.RunOnceAsync()); // cancelled: blobs go at once
        Assert.False(await h.Files.ExistsAsync(BlobKeys.Image(imageId)));
        Assert.Equal(0, await h.Lifecycle.DeleteOldRowsAsync());
        h.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await h.Lifecycle.DeleteOldRowsAsync());
        Assert.Null(await h.Store.GetJobAsync(job));
    }
}
