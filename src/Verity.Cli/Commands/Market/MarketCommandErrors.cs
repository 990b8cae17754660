using Verity.Chain.Transactions;
using Verity.Market.Devnet;
using Verity.Market.Proving;
using Verity.Market.Requests;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// Runs a market command: whatever stops it — a missing or bad setting, bad input, the chain refusing a transaction
/// (with the contract's named error), an unreachable RPC — is one line on stderr and exit 1 (parse errors exit 2 in
/// Program.cs); Ctrl-C exits 130. Messages never hold a private key: none of these exceptions is given one.
/// </summary>
internal static class MarketCommandErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (TransactionRevertedException e)
        {
            Console.Error.WriteLine($"error: refused by the chain: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"error: {Describe(e)}");
            return 1;
        }
    }

    private static bool IsUserFacing(Exception e) => e is CliException or CliFailureException or MarketSettingsException
        or RequestBuildException or ResourceFetchException or ReceiptRejectedException or DevnetException or MarketActionException
        or ArgumentException or FormatException or IOException or HttpRequestException or TimeoutException
        or Verity.Cluster.Client.NodeClientException || IsChainError(e);

    /// <summary>Errors of the chain client (named by type so that this file does not pin the RPC layer's classes).</summary>
    private static bool IsChainError(Exception e) => e.GetType().Name is "ChainRpcException" or "RpcResponseException" or "RpcClientUnknownException" or "RpcClientTimeoutException"
        or "SmartContractRevertException" or "SmartContractCustomErrorRevertException";

    private static string Describe(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
