namespace Verity.Cluster.Blobs;

/// <summary>
/// Files and folders only the node's user may read: clients' private inputs, receipts, the database and secrets live
/// in the data directory, so folders are created 0700 and files 0600 (on Unix; Windows keeps its ACLs).
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and missing parents) as 0700; an existing folder is left as it is.</summary>
    public static DirectoryInfo CreateDirectory(string path) =>
        OperatingSystem.IsWindows() ? Directory.CreateDirectory(path) : Directory.CreateDirectory(path, DirectoryMode);

    /// <summary>Options that create a new file as 0600 (<see cref="System.IO.FileMode.CreateNew"/> unless told otherwise).</summary>
    public static FileStreamOptions NewFile(System.IO.FileMode mode = System.IO.FileMode.CreateNew, FileOptions options = FileOptions.None)
    {
        var o = new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite, Share = FileShare.None, Options = options, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows()) o.UnixCreateMode = FileMode;
        return o;
    }

    /// <summary>Creates an empty 0600 file unless one exists (so a program that creates it later, e.g. SQLite, keeps the mode).</summary>
    public static void Touch(string path)
    {
        if (File.Exists(path)) return;
        try { new FileStream(path, NewFile()).Dispose(); }
        catch (IOException) when (File.Exists(path)) { /* created meanwhile */ }
    }
}
