using Verity.Cluster.Blobs;

namespace Verity.Cluster.Tests.Blobs;

/// <summary>The blob-store contract on the filesystem store, plus what only a filesystem can get wrong.</summary>
public sealed class FileBlobStoreTests : BlobStoreContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "verity-blobs-" + Guid.NewGuid().ToString("N"));

    private FileBlobStore FileStore => (FileBlobStore)Store;

    protected override IBlobStore CreateStore() => new FileBlobStore(_root);

    protected override Task CleanupAsync(IBlobStore store)
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    protected override async Task FlipBitAsync(string key, long offset)
    {
        await using var fs = new FileStream(FileStore.PathOf(key), FileMode.Open, FileAccess.ReadWrite);
        fs.Position = FileBlobStore.HeaderBytes + offset;
        int b = fs.ReadByte();
        fs.Position--;
        fs.WriteByte((byte)(b ^ 1));
    }

    protected override Task OverwriteRawAsync(string key, byte[] bytes) => File.WriteAllBytesAsync(FileStore.PathOf(key), bytes);

    [Fact]
    public async Task Folders_are_0700_and_blob_files_0600()
    {
        if (OperatingSystem.IsWindows()) return;
        await Store.PutAsync("inputs/abc", new byte[] { 1 });
        await Store.PutAsync("jobs/j/proofs/3", new MemoryStream(new byte[] { 2 }), null);
        const UnixFileMode dir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode file = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        foreach (var d in new[] { FileStore.Root, Path.Combine(FileStore.Root, "inputs"), Path.Combine(FileStore.Root, "jobs", "j", "proofs") })
            Assert.Equal(dir, File.GetUnixFileMode(d));
        Assert.Equal(file, File.GetUnixFileMode(FileStore.PathOf("inputs/abc")));
        Assert.Equal(file, File.GetUnixFileMode(FileStore.PathOf("jobs/j/proofs/3")));
    }

    [Fact]
    public async Task A_truncated_blob_file_is_corrupted_before_any_byte_is_read()
    {
        await Store.PutAsync("jobs/t/run", new byte[] { 1, 2, 3, 4 });
        await using (var fs = new FileStream(FileStore.PathOf("jobs/t/run"), FileMode.Open, FileAccess.Write)) fs.SetLength(FileBlobStore.HeaderBytes + 2);
        var e = await Assert.ThrowsAsync<BlobCorruptedException>(() => Store.OpenReadAsync("jobs/t/run"));
        Assert.Contains("it has 2 bytes, but 4 were stored", e.Message);
    }

    private List<string> TempFiles() =>
        [.. Directory.EnumerateFiles(FileStore.Root, "*", SearchOption.AllDirectories).Where(f => f.Contains(".tmp-", StringComparison.Ordinal))];

    [Fact]
    public async Task Puts_leave_no_temporary_files()
    {
        await Store.PutAsync("jobs/t/run", RandomBytes(100_000, seed: 1));
        await Store.PutAsync("jobs/t/run", RandomBytes(50, seed: 2));
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (i, ct) => await Store.PutAsync($"jobs/t/proofs/{i}", RandomBytes(1000, i), ct));
        Assert.Empty(TempFiles());
        Assert.Equal(17, Directory.EnumerateFiles(FileStore.Root, "*", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public async Task A_cancelled_put_leaves_neither_blob_nor_temporary_file()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync("jobs/t/receipt", RandomBytes(1 << 20, seed: 3), cts.Token));
        Assert.Empty(TempFiles());
        Assert.False(await Store.ExistsAsync("jobs/t/receipt"));
    }

    [Fact]
    public async Task A_reader_never_sees_a_partial_blob()
    {
        // Each version is filled with one byte value and has its own length, so any mix of two versions or a
        // truncated read shows up as a wrong length for its fill byte.
        static byte[] Version(int v) => Enumerable.Repeat((byte)v, 256 * 1024 + v * 4099).ToArray();
        const string key = "jobs/r/run";
        await Store.PutAsync(key, Version(0));

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (int i = 1; i <= 60; i++) await Store.PutAsync(key, Version(i % 50));
            await stop.CancelAsync();
        });
        int reads = 0;
        while (!stop.IsCancellationRequested || reads < 10)
        {
            var blob = await Store.GetAsync(key);
            Assert.NotNull(blob); // the key exists throughout: a rename replaces it, never removes it
            int v = blob[0];
            Assert.Equal(Version(v).Length, blob.Length);
            Assert.All(blob, b => Assert.Equal(v, b));
            reads++;
        }
        await writer;
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task Temporary_files_are_not_listed()
    {
        await Store.PutAsync("jobs/l/run", new byte[] { 1 });
        // A crash mid-put leaves a temporary file behind; it must not look like a blob.
        await File.WriteAllBytesAsync(Path.Combine(FileStore.Root, "jobs", "l", "run.tmp-0123"), [9]);
        Assert.Equal(["jobs/l/run"], await ListSorted("jobs/"));
    }

    [Fact]
    public async Task Delete_prefix_removes_the_emptied_job_folder()
    {
        await Store.PutAsync("jobs/f/run", new byte[] { 1 });
        await Store.PutAsync("jobs/f/proofs/0", new byte[] { 2 });
        Assert.Equal(2, await Store.DeletePrefixAsync("jobs/f/"));
        Assert.False(Directory.Exists(Path.Combine(FileStore.Root, "jobs", "f")));
    }
}
