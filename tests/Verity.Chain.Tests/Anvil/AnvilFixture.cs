using Verity.Chain.Anvil;

namespace Verity.Chain.Tests.Anvil;

/// <summary>
/// One anvil per test class (xUnit class fixture): tests that move the chain's clock
/// (<c>evm_increaseTime</c>) or its mining mode never disturb each other. ./test.sh installs anvil
/// (scripts/install-chain-tools.sh) and exports VERITY_ANVIL; without it the fixture fails naming what to do.
/// </summary>
public class AnvilFixture : IAsyncLifetime
{
    public const string Missing =
        "anvil not found: run ./test.sh, or scripts/install-chain-tools.sh (or set VERITY_ANVIL to an anvil binary)";

    private AnvilProcess? _anvil;

    /// <summary>A chain id other than anvil's, for fixtures that test what refuses to run elsewhere.</summary>
    protected virtual long? ChainId => null;

    public AnvilProcess Anvil => _anvil ?? throw new InvalidOperationException("anvil not started");
    public string RpcUrl => Anvil.RpcUrl;

    /// <summary>anvil's well-known development keys (mnemonic "test test … junk"), accounts #0..#9.</summary>
    public static readonly string[] DevKeys =
    [
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
        "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
        "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    ];

    public async Task InitializeAsync()
    {
        if (AnvilProcess.Locate() is null) throw new InvalidOperationException(Missing);
        _anvil = await AnvilProcess.StartAsync(chainId: ChainId);
    }

    public async Task DisposeAsync()
    {
        if (_anvil != null) await _anvil.DisposeAsync();
    }
}
