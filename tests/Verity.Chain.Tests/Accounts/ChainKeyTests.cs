using Nethereum.Signer;
using Verity.Chain.Accounts;
using Verity.Chain.Tests.Anvil;

namespace Verity.Chain.Tests.Accounts;

public class ChainKeyTests
{
    private const string DevKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    [Theory]
    [InlineData(DevKey0)]
    [InlineData("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")]
    [InlineData("  0XAC0974BEC39A17E36BA4A6B4D238FF944BACB478CBED5EFCAE784D7BF4F2FF80\n")]
    public void ParsesWithOrWithoutPrefixAndGivesTheChecksummedAddress(string text)
    {
        var key = ChainKey.Parse(text, "test");
        Assert.Equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", key.Address);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("0x", "empty")]
    [InlineData("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff", "64 hex digits")]
    [InlineData("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8000", "64 hex digits")]
    [InlineData("0xzc0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", "not a hex digit")]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000000", "outside the secp256k1 key range")]
    [InlineData("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", "outside the secp256k1 key range")]
    public void BadKeysGetAnErrorNamingTheSourceButNotTheKey(string text, string why)
    {
        var e = Assert.Throws<FormatException>(() => ChainKey.Parse(text, "VERITY_PRIVATE_KEY"));
        Assert.Contains("VERITY_PRIVATE_KEY", e.Message);
        Assert.Contains(why, e.Message);
        var hex = text.Trim().StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.Trim()[2..] : text.Trim();
        if (hex.Length > 8) Assert.DoesNotContain(hex[..8], e.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ToStringShowsTheAddressOnly()
    {
        var key = ChainKey.Parse(DevKey0, "test");
        Assert.Equal("ChainKey(0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, private key redacted)", key.ToString());
        Assert.DoesNotContain("ac0974", $"{key}", StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void SignDigestRecoversToTheAddressWithVAs27Or28AndLowS()
    {
        var key = ChainKey.Parse(AnvilFixture.DevKeys[1], "test");
        var digest = Nethereum.Util.Sha3Keccack.Current.CalculateHash("verity"u8.ToArray());
        var sig = key.SignDigest(digest);
        Assert.Equal(65, sig.Length);
        Assert.True(sig[64] is 27 or 28);
        var s = new System.Numerics.BigInteger(sig.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var halfOrder = System.Numerics.BigInteger.Parse("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0",
            System.Globalization.NumberStyles.HexNumber);
        Assert.True(s <= halfOrder);
        var recovered = EthECKey.RecoverFromSignature(
            EthECDSASignatureFactory.FromComponents(sig[..32], sig[32..64], [sig[64]]), digest);
        Assert.Equal(key.Address, Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(recovered.GetPublicAddress()));
        Assert.Throws<ArgumentException>(() => key.SignDigest(new byte[31]));
    }
}
