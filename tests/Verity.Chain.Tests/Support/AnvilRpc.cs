using System.Numerics;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.Signer;
using Nethereum.Web3;
using Verity.Chain.Accounts;

namespace Verity.Chain.Tests.Support;

/// <summary>anvil's test-only RPC methods: mining, the pool, snapshots, balances.</summary>
public sealed class AnvilRpc(IWeb3 web3)
{
    private int _id;

    public Task MineAsync() => CallAsync("evm_mine");
    public Task SetAutomineAsync(bool on) => CallAsync("evm_setAutomine", on);
    public Task DropTransactionAsync(string hash) => CallAsync("anvil_dropTransaction", hash);
    public async Task<string> SnapshotAsync() => await CallAsync<string>("evm_snapshot");
    public Task RevertAsync(string snapshot) => CallAsync("evm_revert", snapshot);
    public Task SetBalanceAsync(string address, BigInteger wei) => CallAsync("anvil_setBalance", address, new HexBigInteger(wei).HexValue);

    public async Task MineAsync(int blocks)
    {
        for (var i = 0; i < blocks; i++) await MineAsync();
    }

    public async Task<ulong> HeadAsync() => (ulong)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;

    /// <summary>A new random key with 100 ETH, so each test starts from nonce 0 on its own account.</summary>
    public async Task<ChainKey> FundedKeyAsync()
    {
        var key = ChainKey.Parse(EthECKey.GenerateKey().GetPrivateKey(), "a generated test key");
        await SetBalanceAsync(key.Address, BigInteger.Pow(10, 20));
        return key;
    }

    private Task CallAsync(string method, params object[] args) => CallAsync<object>(method, args);

    private Task<T> CallAsync<T>(string method, params object[] args) =>
        web3.Client.SendRequestAsync<T>(new RpcRequest(Interlocked.Increment(ref _id), method, args));
}
