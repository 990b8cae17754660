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

    /// <summary>True for a job's receipt key: receipts are write-once (see <see cref="IBlobStore"/>).</summary>
    public static bool IsReceipt(string key) => KindOf(key) == BlobKind.Receipt;

    /// <summary>
    /// What the key holds, and for job blobs the job id (else null): images/&lt;id&gt;, inputs/&lt;id&gt;,
    /// jobs/&lt;job&gt;/run, jobs/&lt;job&gt;/proofs/&lt;i&gt;, jobs/&lt;job&gt;/receipt; anything else is Unknown.
    /// </summary>
    public static BlobKind KindOf(string key) => Parse(key).Kind;

    /// <summary>The key's kind, job id (job blobs) and proof index (proofs; else -1).</summary>
    public static (BlobKind Kind, string? JobId, int ProofIndex) Parse(string key)
    {
        if (!IsValid(key)) return (BlobKind.Unknown, null, -1);
        var parts = key.Split('/');
        switch (parts)
        {
            case ["images", _]: return (BlobKind.Image, null, -1);
            case ["inputs", _]: return (BlobKind.Input, null, -1);
            case ["jobs", var job, "run"] when TaskIds.IsValidJobId(job): return (BlobKind.Run, job, -1);
            case ["jobs", var job, "receipt"] when TaskIds.IsValidJobId(job): return (BlobKind.Receipt, job, -1);
            case ["jobs", var job, "proofs", var i] when TaskIds.IsValidJobId(job)
                && int.TryParse(i, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
                && i == index.ToString(System.Globalization.CultureInfo.InvariantCulture):
                return (BlobKind.Proof, job, index);
            default: return (BlobKind.Unknown, null, -1);
        }
    }

    /// <summary>True for keys this layout produces (used to validate keys arriving over HTTP).</summary>
    public static bool IsValid(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512 || key[0] == '/' || key.EndsWith('/')) return false;
        foreach (char c in key)
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '/' or '-' or '_' or '.')) return false;
        return !key.Split('/').Any(part => part.Length == 0 || part == "." || part == "..");
    }
}
