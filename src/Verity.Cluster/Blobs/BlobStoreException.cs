namespace Verity.Cluster.Blobs;

/// <summary>
/// A blob store operation failed for a reason other than bad input (unreachable server, missing bucket, refused
/// credentials, ...). The message names the operation, the store's location and the key.
/// </summary>
public sealed class BlobStoreException(string message, Exception? inner = null) : IOException(message, inner);
