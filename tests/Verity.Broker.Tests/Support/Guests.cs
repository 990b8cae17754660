using System.Numerics;
using Verity.Broker.Orders;
using Verity.Chain.Contracts;
using Verity.Vm;

namespace Verity.Broker.Tests.Support;

/// <summary>The example guests (guest/build, built by `make -C guest`) and requests for them.</summary>
public static class TestGuests
{
    public const string Requestor = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

    /// <summary>guest/build/{name}.elf of the repository this test runs in.</summary>
    public static string Path(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "guest", "build", name + ".elf");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"guest/build/{name}.elf not found above {AppContext.BaseDirectory}: run `make -C guest`");
    }

    public static byte[] ImageId(string elfPath) => ElfLoader.Load(File.ReadAllBytes(elfPath)).ImageId.ToArray();

    public static string FileUrl(string path) => new Uri(System.IO.Path.GetFullPath(path)).AbsoluteUri;

    private static int _index;

    /// <summary>
    /// A valid request for <paramref name="elfPath"/> (served from a file:// URL) with an inline input: lock deadline
    /// 1000 s after <paramref name="now"/>, deadline 2000 s, prices 0.001..0.01 ETH over a 100 s ramp.
    /// </summary>
    public static ProofRequest Request(string elfPath, byte[] input, ulong now, byte[]? imageId = null, string? imageUrl = null)
    {
        return new ProofRequest
        {
            Id = RequestId.Create(Requestor, (uint)Interlocked.Increment(ref _index)),
            Requirements = new Requirements
            {
                ImageId = imageId ?? ImageId(elfPath),
                Predicate = new Predicate { PredicateType = (byte)PredicateType.PrefixMatch, Data = [] },
                Selector = [.. DevelopmentSeal.Selector],
            },
            ImageUrl = imageUrl ?? FileUrl(elfPath),
            Input = new RequestInput { InputType = (byte)InputType.Inline, Data = input },
            Offer = new Offer
            {
                MinPrice = BigInteger.Pow(10, 15), MaxPrice = BigInteger.Pow(10, 16), BiddingStart = now, RampUpPeriod = 100,
                LockTimeout = 1000, Timeout = 2000, LockCollateral = BigInteger.Pow(10, 18),
            },
        };
    }

    public static Order Order(ProofRequest request, FulfillmentType type = FulfillmentType.LockAndFulfill) => new()
    {
        Id = Orders.Order.MakeId(request.Id, new byte[32], type),
        RequestId = request.Id,
        Requestor = RequestId.Requestor(request.Id).ToLowerInvariant(),
        Request = request,
        Signature = new byte[65],
        RequestDigest = new byte[32],
        Source = "chain",
        Type = type,
        State = OrderState.New,
        ObservedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>The loop guest's input: its iteration count (about 18 cycles each).</summary>
    public static byte[] LoopInput(uint iterations) => BitConverter.GetBytes(iterations);
}
