using System.Numerics;
using System.Text;
using Nethereum.Util;
using Verity.Chain.Transactions;

namespace Verity.Chain.Tests.Support;

/// <summary>
/// A tiny contract for sender and cursor tests, compiled once with solc-js 0.8.37 (optimizer on, 200 runs):
/// <code>
/// contract Pinger {
///     event Ping(uint256 indexed n, address indexed from);
///     error Refused(uint256 n);
///     error AlreadyClaimed(uint256 slot);
///     mapping(uint256 => bool) public claimed;
///     function ping(uint256 n) external { if (n >= 1000) revert Refused(n); emit Ping(n, msg.sender); }
///     function claim(uint256 slot) external {
///         if (claimed[slot]) revert AlreadyClaimed(slot);
///         claimed[slot] = true;
///         emit Ping(slot, msg.sender);
///     }
/// }
/// </code>
/// </summary>
public static class Pinger
{
    public const string Bytecode =
        "6080604052348015600e575f5ffd5b506101be8061001c5f395ff3fe608060405234801561000f575f5ffd5b506004361061003f575f3560e01c8063379607f514610043578063773acdef14610058578063dbe7e3bd1461006b575b5f5ffd5b610056610051366004610171565b6100a1565b005b610056610066366004610171565b61011d565b61008d610079366004610171565b5f6020819052908152604090205460ff1681565b604051901515815260200160405180910390f35b5f8181526020819052604090205460ff16156100d85760405163598b3dfd60e11b8152600481018290526024015b60405180910390fd5b5f81815260208190526040808220805460ff1916600117905551339183917fc05b373e05c47417d9c7204807552389e512c0e21cbc01a03d1554561080ac6e9190a350565b6103e881106101425760405163590a515160e01b8152600481018290526024016100cf565b604051339082907fc05b373e05c47417d9c7204807552389e512c0e21cbc01a03d1554561080ac6e905f90a350565b5f60208284031215610181575f5ffd5b503591905056fea2646970667358221220aa609034aca622f4369907586615bb103f2e133015d17d4f16cb691785f32e9064736f6c63430008250033";

    /// <summary>topic0 of Ping(uint256,address).</summary>
    public static readonly string PingTopic = "0x" + Convert.ToHexStringLower(Keccak("Ping(uint256,address)"));

    public static readonly byte[] RefusedSelector = Keccak("Refused(uint256)")[..4];
    public static readonly byte[] AlreadyClaimedSelector = Keccak("AlreadyClaimed(uint256)")[..4];

    public static byte[] Ping(BigInteger n) => Call("ping(uint256)", n);
    public static byte[] Claim(BigInteger slot) => Call("claim(uint256)", slot);

    public static TransactionRequest Deployment() => new(null, Convert.FromHexString(Bytecode), 0, "deploy Pinger");

    /// <summary>The contract's custom errors by name, as a sender's describeRevert.</summary>
    public static string? DescribeRevert(byte[] data)
    {
        if (data.Length != 36) return null;
        var arg = new BigInteger(data.AsSpan(4), isUnsigned: true, isBigEndian: true);
        if (data.AsSpan(0, 4).SequenceEqual(RefusedSelector)) return $"Refused({arg})";
        if (data.AsSpan(0, 4).SequenceEqual(AlreadyClaimedSelector)) return $"AlreadyClaimed({arg})";
        return null;
    }

    /// <summary>The n of a Ping log (its first indexed topic).</summary>
    public static BigInteger PingN(Nethereum.RPC.Eth.DTOs.FilterLog log) =>
        new(Convert.FromHexString(((string)log.Topics[1]!)[2..]), isUnsigned: true, isBigEndian: true);

    private static byte[] Call(string signature, BigInteger arg)
    {
        var data = new byte[36];
        Keccak(signature).AsSpan(0, 4).CopyTo(data);
        arg.TryWriteBytes(data.AsSpan(4 + 32 - arg.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return data;
    }

    private static byte[] Keccak(string text) => Sha3Keccack.Current.CalculateHash(Encoding.ASCII.GetBytes(text));
}
