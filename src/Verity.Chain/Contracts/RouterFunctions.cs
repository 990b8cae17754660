using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Verity.Chain.Contracts;

// VerityVerifierRouter's and IVerityVerifier's functions and events (contracts/src/VerityVerifierRouter.sol).

[Function("addVerifier")]
public class AddVerifierFunction : FunctionMessage
{
    [Parameter("bytes4", "selector", 1)] public byte[] Selector { get; set; } = new byte[4];
    [Parameter("address", "verifier", 2)] public string Verifier { get; set; } = "";
}

[Function("removeVerifier")]
public class RemoveVerifierFunction : FunctionMessage
{
    [Parameter("bytes4", "selector", 1)] public byte[] Selector { get; set; } = new byte[4];
}

[Function("getVerifier", "address")]
public class GetVerifierFunction : FunctionMessage
{
    [Parameter("bytes4", "selector", 1)] public byte[] Selector { get; set; } = new byte[4];
}

/// <summary>IVerityVerifier.verify, also the router's: returns nothing, reverts when the seal is refused.</summary>
[Function("verify")]
public class VerifyFunction : FunctionMessage
{
    [Parameter("bytes", "seal", 1)] public byte[] Seal { get; set; } = [];
    [Parameter("bytes32", "imageId", 2)] public byte[] ImageId { get; set; } = new byte[32];
    [Parameter("bytes32", "journalDigest", 3)] public byte[] JournalDigest { get; set; } = new byte[32];
}

[Event("VerifierAdded")]
public class VerifierAddedEvent : IEventDTO
{
    [Parameter("bytes4", "selector", 1, true)] public byte[] Selector { get; set; } = new byte[4];
    [Parameter("address", "verifier", 2, false)] public string Verifier { get; set; } = "";
}

[Event("VerifierRemoved")]
public class VerifierRemovedEvent : IEventDTO
{
    [Parameter("bytes4", "selector", 1, true)] public byte[] Selector { get; set; } = new byte[4];
}
