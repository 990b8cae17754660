using Verity.Cluster.Jobs;

namespace Verity.Cluster.Blobs;

/// <summary>The blob layout. Everything a job produces lives under <see cref="JobPrefix"/>, so cleanup is one prefix delete.</summary>
public static class BlobKeys
{
    public static string Image(string imageId) => $"images/{imageId}";
    public static string Input(string inputId) => $"inputs/{inputId}";
    public static string JobPrefix(string jobId) => $"jobs/{jobId}/";
    /// <summary>The execute task's <c>ExecutedRun</c> bytes.</summary>
    public static string Run(string jobId) => $"jobs/{jobId}/run";
    /// <summary>Prove task <paramref name="index"/>'s proof (index == segments: the memory proof).</summary>
    public static string Proof(string jobId, int index) => $"jobs/{jobId}/proofs/{index}";
    public static string Receipt(string jobId) => $"jobs/{jobId}/receipt";

    /// <summary>True for keys this layout produces (used to validate keys arriving over HTTP).</summary>
    public static bool IsValid(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512 || key[0] == '/' || key.EndsWith('/')) return false;
        foreach (char c in key)
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '/' or '-' or '_' or '.')) return false;
        return !key.Split('/').Any(part => part.Length == 0 || part == "." || part == "..");
    }
}
