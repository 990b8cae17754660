using System.Numerics;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Contracts;
using Verity.Chain.Transactions;
using Account = Nethereum.Web3.Accounts.Account;
using RevertData = Verity.Chain.Contracts.RevertData;

namespace Verity.Chain.Tests.Contracts;

/// <summary>
/// A small sender for the contract tests until the real TransactionSender lands: Nethereum's Account signs, and
/// eth_estimateGas runs first so a revert surfaces as <see cref="TransactionRevertedException"/> with its data.
/// </summary>
public sealed class TestTransactionSender : ITransactionSender
{
    private readonly Web3 _web3;

    public TestTransactionSender(string rpcUrl, string privateKey, BigInteger chainId)
    {
        var account = new Account(privateKey, chainId);
        _web3 = new Web3(account, rpcUrl);
        Address = account.Address;
    }

    public string Address { get; }

    public async Task<TransactionReceipt> SendAsync(TransactionRequest request, CancellationToken ct = default)
    {
        var call = new CallInput
        {
            From = Address, To = request.To, Data = request.Data.ToHex(true), Value = new HexBigInteger(request.Value),
        };
        HexBigInteger estimate;
        try
        {
            estimate = await _web3.Eth.Transactions.EstimateGas.SendRequestAsync(call).WaitAsync(ct);
        }
        catch (Exception e) when (RevertData.From(e) is { } data)
        {
            throw new TransactionRevertedException(request.Label, data, MarketErrors.Describe(data));
        }
        catch (Exception e) when (RevertData.IsRevert(e))
        {
            throw new TransactionRevertedException(request.Label, null, "reverted without data");
        }
        var input = new TransactionInput
        {
            From = Address, To = request.To, Data = call.Data, Value = call.Value,
            Gas = new HexBigInteger(request.GasLimit ?? estimate.Value * 13 / 10),
        };
        var receipt = await _web3.Eth.TransactionManager.SendTransactionAndWaitForReceiptAsync(input, cancellationToken: ct);
        if (receipt.Status?.Value != 1)
            throw new TransactionRevertedException(request.Label, null, "mined but reverted", receipt.TransactionHash);
        return receipt;
    }
}
