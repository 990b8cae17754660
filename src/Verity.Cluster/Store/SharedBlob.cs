using Verity.Cluster.Blobs;

namespace Verity.Cluster.Store;

/// <summary>The blobs jobs share by id (an image or an input): cleanup deletes one only when no job uses it.</summary>
public enum SharedBlob
{
    Image = 0,
    Input = 1,
}

public static class SharedBlobs
{
    public static string Key(this SharedBlob kind, string id) => kind switch
    {
        SharedBlob.Image => BlobKeys.Image(id),
        SharedBlob.Input => BlobKeys.Input(id),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Name(this SharedBlob kind) => kind == SharedBlob.Image ? "image" : "input";
}
