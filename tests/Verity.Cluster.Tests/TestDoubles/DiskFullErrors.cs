namespace Verity.Cluster.Tests.TestDoubles;

/// <summary>
/// The IOException .NET throws for a write to a full disk (ENOSPC): the real one, from writing to /dev/full, where
/// there is one; elsewhere one built the same way, its message naming a path as the OS's does. Shared with the node
/// tests (linked).
/// </summary>
internal static class DiskFullErrors
{
    public static IOException Create()
    {
        if (File.Exists("/dev/full"))
        {
            try
            {
                using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
                full.Write(new byte[16]);
                full.Flush();
            }
            catch (IOException e) { return e; }
        }
        return new IOException("No space left on device : '/dev/full'", OperatingSystem.IsWindows() ? unchecked((int)0x80070070) : 28);
    }
}
