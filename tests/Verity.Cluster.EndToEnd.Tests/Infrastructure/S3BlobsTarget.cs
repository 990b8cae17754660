using System.Data.Common;
using Verity.Cluster.Tests.Blobs;
using Verity.Node.Configuration;

namespace Verity.Cluster.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The full cluster shape: a store target with the node's blobs in the S3-compatible test server (<c>VERITY_TEST_S3</c>,
/// an s3rver with bucket verity-test) under a key prefix of the test's own.
/// </summary>
public sealed class S3BlobsTarget(StoreTarget store) : StoreTarget
{
    private readonly string _prefix = "e2e-" + Guid.NewGuid().ToString("N")[..16];

    private static string Url => S3TestServer.Url;

    public override string Db => store.Db;

    public override NodeOptions Apply(NodeOptions options) => store.Apply(options) with
    {
        Blobs = "s3",
        S3 = new S3Settings { ServiceUrl = Url, Bucket = S3TestServer.Bucket, AccessKey = S3TestServer.Credential, SecretKey = S3TestServer.Credential, KeyPrefix = _prefix },
    };

    public override IReadOnlyList<string> NodeFlags =>
        [.. store.NodeFlags, "--blobs", "s3", "--s3-url", Url, "--s3-bucket", S3TestServer.Bucket, $"--Node:S3:AccessKey={S3TestServer.Credential}",
         $"--Node:S3:SecretKey={S3TestServer.Credential}", $"--Node:S3:KeyPrefix={_prefix}"];

    protected internal override DbConnection Connect() => store.Connect();
}
