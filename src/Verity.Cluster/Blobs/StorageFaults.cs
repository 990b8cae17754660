using System.Net;
using Amazon.Runtime;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Verity.Cluster.Blobs;

/// <summary>
/// Recognizes a full disk (or exhausted quota) behind an exception from the blob store or the task store, so the node
/// answers 507 without the server path the OS message carries, /health reports it, and agents wait it out instead of
/// failing tasks. One classification for all of them, so they never disagree.
/// </summary>
public static class StorageFaults
{
    /// <summary>What clients and agents are told: no path, no OS wording.</summary>
    public const string DiskFullMessage = "the node's storage is full";

    // errno values .NET puts in IOException.HResult on Unix (Linux and macOS share ENOSPC; EDQUOT differs).
    private const int Enospc = 28;
    private const int EdquotLinux = 122;
    private const int EdquotMac = 69;
    // Win32 errors, as HRESULTs (0x8007xxxx) in IOException.HResult on Windows.
    private const int ErrorHandleDiskFull = 0x27;
    private const int ErrorDiskFull = 0x70;
    private const int SqliteFull = 13; // SQLITE_FULL: "database or disk is full"
    private const string PostgresDiskFull = "53100";

    /// <summary>True when <paramref name="e"/> or one of its inner exceptions says the storage is full.</summary>
    public static bool IsDiskFull(Exception? e)
    {
        for (int depth = 0; e != null && depth < 16; e = e.InnerException, depth++)
        {
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsDiskFull)) return true;
            if (IsDiskFullItself(e)) return true;
        }
        return false;
    }

    private static bool IsDiskFullItself(Exception e) => e switch
    {
        SqliteException s => s.SqliteErrorCode == SqliteFull,
        PostgresException p => p.SqlState == PostgresDiskFull,
        // MinIO and other S3-compatible stores answer 507 (XMinioStorageFull) when their disks are full.
        AmazonServiceException a => a.StatusCode == HttpStatusCode.InsufficientStorage || a.ErrorCode == "XMinioStorageFull",
        IOException io => IsDiskFullHResult(io.HResult),
        _ => false,
    };

    private static bool IsDiskFullHResult(int hresult)
    {
        if (OperatingSystem.IsWindows())
            return (hresult & unchecked((int)0xFFFF0000)) == unchecked((int)0x80070000) && (hresult & 0xFFFF) is ErrorDiskFull or ErrorHandleDiskFull;
        if (hresult == Enospc) return true;
        return OperatingSystem.IsMacOS() ? hresult == EdquotMac : hresult == EdquotLinux;
    }
}
