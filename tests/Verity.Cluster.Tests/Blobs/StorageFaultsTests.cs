using System.Net;
using Amazon.S3;
using Microsoft.Data.Sqlite;
using Npgsql;
using Verity.Cluster.Blobs;
using Verity.Cluster.Store;
using Verity.Cluster.Tests.TestDoubles;

namespace Verity.Cluster.Tests.Blobs;

/// <summary><see cref="StorageFaults.IsDiskFull"/>: the one classification the node's 507, /health and agents share.</summary>
public sealed class StorageFaultsTests
{
    [Fact]
    public void The_exception_dotnet_throws_for_a_full_disk_is_recognized()
    {
        // On Linux this is the real IOException from writing to /dev/full (ENOSPC); elsewhere one built the same way.
        var e = DiskFullErrors.Create();
        Assert.True(StorageFaults.IsDiskFull(e), $"HResult {e.HResult}: {e.Message}");
        Assert.True(StorageFaults.IsDiskFull(new TaskStoreException("store", "claim", e)));
        Assert.True(StorageFaults.IsDiskFull(new AggregateException(new InvalidOperationException("x"), e)));
    }

    [Fact]
    public void Full_databases_and_object_stores_are_recognized()
    {
        Assert.True(StorageFaults.IsDiskFull(new TaskStoreException("store", "complete", new SqliteException("SQLite Error 13: 'database or disk is full'.", 13))));
        Assert.True(StorageFaults.IsDiskFull(new PostgresException("could not extend file", "ERROR", "ERROR", "53100")));
        Assert.True(StorageFaults.IsDiskFull(new BlobStoreException("put failed", new AmazonS3Exception("Storage backend has reached its minimum free drive threshold.")
        {
            StatusCode = HttpStatusCode.InsufficientStorage,
        })));
    }

    [Fact]
    public void Other_failures_are_not_a_full_disk()
    {
        Assert.False(StorageFaults.IsDiskFull(null));
        Assert.False(StorageFaults.IsDiskFull(new FileNotFoundException("gone")));
        Assert.False(StorageFaults.IsDiskFull(new IOException("generic")));
        Assert.False(StorageFaults.IsDiskFull(new TaskStoreException("store", "claim", new SqliteException("SQLite Error 5: 'database is locked'.", 5))));
        Assert.False(StorageFaults.IsDiskFull(new PostgresException("terminating connection", "FATAL", "FATAL", "57P01")));
        Assert.False(StorageFaults.IsDiskFull(new HttpRequestException("refused")));
        Assert.False(StorageFaults.IsDiskFull(new UnauthorizedAccessException("/data/blobs")));
    }
}
