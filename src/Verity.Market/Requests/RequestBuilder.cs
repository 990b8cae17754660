using System.Security.Cryptography;
using Verity.Chain.Contracts;
using Verity.Vm;

namespace Verity.Market.Requests;

/// <summary>A built request and what the local run found.</summary>
public sealed record BuiltRequest(ProofRequest Request, byte[] Journal, long Cycles);

/// <summary>
/// Builds a <see cref="ProofRequest"/> from a <see cref="RequestPlan"/>: the image id from the ELF, the predicate from a
/// local run of the guest (sha256 of its journal, DigestMatch) or the given prefix, a fresh random 32-bit index under
/// the requestor's address, and an offer whose auction starts a few seconds after the chain's time.
/// </summary>
public static class RequestBuilder
{
    /// <exception cref="RequestBuildException">The ELF does not load, the guest fails, or the offer is invalid.</exception>
    public static BuiltRequest Build(RequestPlan plan, string requestor, ulong chainTime)
    {
        ProgramImage image;
        try { image = ElfLoader.Load(plan.Elf, ElfLoader.MaxImageBytes); }
        catch (Exception e) when (e is ElfFormatException or ArgumentException)
        {
            throw new RequestBuildException($"the program is not a loadable guest ELF: {e.Message}");
        }
        ExecutionResult run;
        try { run = Executor.Run(image, plan.Input, new ExecutionOptions { MaxCycles = plan.MaxCycles }); }
        catch (ExecutionException e) { throw new RequestBuildException($"the guest failed on this input: {e.Message}"); }
        if (run.ExitCode != 0)
            throw new RequestBuildException($"the guest exits with code {run.ExitCode} on this input; a fulfilment proves exit code 0, so no prover could fulfil this request");

        Predicate predicate;
        if (plan.JournalPrefix is { } prefix)
        {
            if (!run.Journal.AsSpan().StartsWith(prefix))
                throw new RequestBuildException($"the guest's journal ({Convert.ToHexStringLower(run.Journal)}) does not start with the journal prefix {Convert.ToHexStringLower(prefix)}");
            predicate = new Predicate { PredicateType = (byte)PredicateType.PrefixMatch, Data = prefix };
        }
        else predicate = new Predicate { PredicateType = (byte)PredicateType.DigestMatch, Data = SHA256.HashData(run.Journal) };

        var offer = new Offer
        {
            MinPrice = plan.MinPrice,
            MaxPrice = plan.MaxPrice,
            BiddingStart = chainTime + plan.BiddingDelaySeconds,
            RampUpPeriod = plan.RampUpSeconds,
            LockTimeout = plan.LockTimeoutSeconds,
            Timeout = plan.TimeoutSeconds,
            LockCollateral = plan.LockCollateral,
        };
        if (offer.Problem() is { } problem) throw new RequestBuildException($"invalid offer: {problem}");
        if (plan.Selector.Length != 4 || plan.Selector.All(b => b == 0)) throw new RequestBuildException("the verifier selector must be 4 bytes, not zero");

        var request = new ProofRequest
        {
            Id = RequestId.Create(requestor, BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4))),
            Requirements = new Requirements { ImageId = image.ImageId.ToArray(), Predicate = predicate, Selector = plan.Selector },
            ImageUrl = plan.ImageUrl,
            Input = plan.InputUrl is { } url
                ? new RequestInput { InputType = (byte)InputType.Url, Data = System.Text.Encoding.UTF8.GetBytes(url) }
                : new RequestInput { InputType = (byte)InputType.Inline, Data = plan.Input },
            Offer = offer,
        };
        return new BuiltRequest(request, run.Journal, run.Cycles);
    }
}

/// <summary>A request cannot be built as asked: the message says why.</summary>
public sealed class RequestBuildException(string message) : Exception(message);
