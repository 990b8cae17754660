using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.ABI.Model;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Verity.Chain.Transactions;

namespace Verity.Chain.Contracts;

/// <summary>eth_call for the facades' views; a revert becomes <see cref="TransactionRevertedException"/> with the decoded error.</summary>
internal static class ContractCaller
{
    public static async Task<string> CallAsync<T>(IWeb3 web3, string to, T message, string label, string? from = null,
        BlockParameter? block = null, CancellationToken ct = default) where T : FunctionMessage, new()
    {
        var input = new CallInput { To = to, Data = message.GetCallData().ToHex(true), From = from };
        try
        {
            return await web3.Eth.Transactions.Call.SendRequestAsync(input, block ?? BlockParameter.CreateLatest())
                .WaitAsync(ct);
        }
        catch (Exception e) when (RevertData.From(e) is { } data)
        {
            throw new TransactionRevertedException(label, data, MarketErrors.Describe(data));
        }
        catch (Exception e) when (RevertData.IsRevert(e))
        {
            throw new TransactionRevertedException(label, null, "reverted without data");
        }
    }

    public static async Task<TOut> QueryAsync<T, TOut>(IWeb3 web3, string to, T message, string label, CancellationToken ct = default)
        where T : FunctionMessage, new()
    {
        var output = await CallAsync(web3, to, message, label, ct: ct);
        var returnType = FunctionAttribute.GetAttribute<T>()?.ReturnType
            ?? throw new InvalidOperationException($"{typeof(T).Name} declares no return type");
        return new FunctionCallDecoder().DecodeSimpleTypeOutput<TOut>(new Parameter(returnType), output);
    }

    public static async Task<TOut> QueryDtoAsync<T, TOut>(IWeb3 web3, string to, T message, string label, CancellationToken ct = default)
        where T : FunctionMessage, new() where TOut : IFunctionOutputDTO, new()
    {
        var output = await CallAsync(web3, to, message, label, ct: ct);
        return new FunctionCallDecoder().DecodeFunctionOutput<TOut>(output);
    }

    public static Task<TransactionReceipt> SendAsync<T>(ITransactionSender? sender, string to, T message, string label,
        System.Numerics.BigInteger value = default, CancellationToken ct = default) where T : FunctionMessage, new()
    {
        if (sender is null) throw new InvalidOperationException($"{label}: this contract facade has no transaction sender");
        return sender.SendAsync(new TransactionRequest(to, message.GetCallData(), value, label), ct);
    }
}
