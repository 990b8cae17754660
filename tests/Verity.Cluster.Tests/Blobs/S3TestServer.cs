using Verity.Cluster.Blobs;

namespace Verity.Cluster.Tests.Blobs;

/// <summary>
/// The S3-compatible server the S3 tests run against: <c>VERITY_TEST_S3</c> (e.g. http://127.0.0.1:4569, an s3rver
/// with bucket <see cref="Bucket"/> and its default S3RVER credentials). Missing, the tests fail rather than skip.
/// </summary>
internal static class S3TestServer
{
    public const string Bucket = "verity-test";
    public const string Credential = "S3RVER";

    public static string Url =>
        Environment.GetEnvironmentVariable("VERITY_TEST_S3") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("set VERITY_TEST_S3 or run ./test.sh (it starts s3rver)");

    /// <summary>Options for the test bucket; <paramref name="keyPrefix"/> keeps tests and classes apart.</summary>
    public static S3BlobOptions Options(string? keyPrefix) => new()
    {
        ServiceUrl = Url,
        Bucket = Bucket,
        AccessKey = Credential,
        SecretKey = Credential,
        KeyPrefix = keyPrefix,
        Timeout = TimeSpan.FromSeconds(30),
        MaxRetries = 3, // s3rver answers 500 now and then when parallel deletes race to remove emptied folders
    };

    /// <summary>A fresh folder in the bucket.</summary>
    public static string RandomPrefix() => "test-" + Guid.NewGuid().ToString("N")[..16];
}
