using Verity.Cluster.Blobs;
using Verity.Cluster.Jobs;
using Verity.Cluster.Protocol;
using Verity.Cluster.Runners;
using Verity.Crypto;
using Verity.Vm;

namespace Verity.Cluster.Tests.Runners;

/// <summary>A blob store in a temporary directory plus helpers to upload a job's program and input and run its tasks.</summary>
internal sealed class RunnerHarness : IDisposable
{
    /// <summary>The loop guest's input: 32 iterations (2 segments at po2 10, then the memory proof).</summary>
    public static readonly byte[] LoopInput = BitConverter.GetBytes(32u);

    public RunnerHarness()
    {
        Dir = Path.Combine(Path.GetTempPath(), "verity-runner-" + Guid.NewGuid().ToString("N"));
        Blobs = new FileBlobStore(Dir);
    }

    public string Dir { get; }
    public FileBlobStore Blobs { get; }

    /// <summary>Stores the ELF and input under their ids and returns a spec for them (insecure-test, po2 10).</summary>
    public async Task<JobSpec> UploadAsync(byte[] elf, byte[] input, string? imageId = null)
    {
        imageId ??= ElfLoader.Load(elf).ImageId.ToHex();
        string inputId = Blake3.Hash(input).ToHex();
        await Blobs.PutAsync(BlobKeys.Image(imageId), elf);
        await Blobs.PutAsync(BlobKeys.Input(inputId), input);
        return new JobSpec { ImageId = imageId, InputId = inputId, SegmentPo2 = 10, Parameters = "insecure-test" };
    }

    public static ClaimedTask Task(string jobId, JobSpec spec, TaskType type, int index = 0, int segments = 0) => new()
    {
        TaskId = TaskIds.TaskId(jobId, type, index),
        JobId = jobId,
        Type = type,
        Index = index,
        Attempt = 1,
        Lease = new TaskLease(TaskIds.TaskId(jobId, type, index), 1, 0),
        Spec = spec,
        Segments = segments,
    };

    public async Task<T> RunAsync<T>(ITaskRunner runner, ClaimedTask task, IProgress<double>? progress = null, CancellationToken ct = default) =>
        ClusterJson.Deserialize<T>(await runner.RunAsync(task, Blobs, progress ?? new Progress<double>(), ct));

    /// <summary>Runs the task expecting a <see cref="TaskFailedException"/>.</summary>
    public async Task<TaskFailedException> FailAsync(ITaskRunner runner, ClaimedTask task) =>
        await Assert.ThrowsAsync<TaskFailedException>(() => runner.RunAsync(task, Blobs, new Progress<double>(), CancellationToken.None));

    /// <summary>Copies every blob into this harness's store (tests then change their own copy).</summary>
    public async Task CopyFromAsync(IBlobStore source)
    {
        await foreach (var key in source.ListAsync(""))
            await Blobs.PutAsync(key, (await source.GetAsync(key))!);
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { /* best effort: a temp dir */ }
    }
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class ProgressLog : IProgress<double>
{
    private readonly List<double> _values = [];

    public IReadOnlyList<double> Values
    {
        get { lock (_values) return [.. _values]; }
    }

    public void Report(double value)
    {
        lock (_values) _values.Add(value);
    }
}
