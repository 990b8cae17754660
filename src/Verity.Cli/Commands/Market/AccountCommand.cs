using System.CommandLine;
using System.Numerics;
using Nethereum.Util;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// `verity account …`: the signer's ETH balance in the market (deposit, withdraw, balance) and its stake
/// (deposit-stake, withdraw-stake, stake-balance). A refusal names the contract's error (InsufficientBalance, …).
/// </summary>
internal static class AccountCommand
{
    public static Command Create()
    {
        var account = new Command("account", "Your balances in the market: ETH (requestor funds, prover earnings) and stake (prover collateral).");
        account.Subcommands.Add(Move("deposit", "Deposit ETH into your market balance.", stake: false, into: true));
        account.Subcommands.Add(Move("withdraw", "Withdraw ETH from your market balance to your wallet.", stake: false, into: false));
        account.Subcommands.Add(Balance("balance", "Show an account's ETH in the market and in its wallet.", stake: false));
        account.Subcommands.Add(Move("deposit-stake", "Deposit stake tokens from your wallet into the market (approve, then deposit).", stake: true, into: true));
        account.Subcommands.Add(Move("withdraw-stake", "Withdraw stake tokens from the market to your wallet.", stake: true, into: false));
        account.Subcommands.Add(Balance("stake-balance", "Show an account's stake in the market and stake tokens in its wallet.", stake: true));
        return account;
    }

    private static Command Move(string name, string description, bool stake, bool into)
    {
        var options = new MarketOptions();
        var amount = new Argument<string>("amount") { Description = stake ? "stake tokens: base units, or with a unit (10ether = 10 tokens of 18 decimals)" : "wei, or with a unit: 5gwei, 0.01ether" };
        var cmd = new Command(name, description);
        cmd.Arguments.Add(amount);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            var value = MarketOptions.ParseAmount(r.GetValue(amount)!, "amount");
            var session = await MarketSession.OpenAsync(options.Resolve(r), withKey: true, ct);
            var market = session.Market;
            var receipt = (stake, into) switch
            {
                (false, true) => await market.DepositAsync(value, ct),
                (false, false) => await market.WithdrawAsync(value, ct),
                (true, true) => await market.DepositStakeAsync(value, ct),
                (true, false) => await market.WithdrawStakeAsync(value, ct),
            };
            var after = stake ? await market.StakeBalanceOfAsync(session.Address, ct) : await market.BalanceOfAsync(session.Address, ct);
            string shown = stake ? MarketOutput.Stake(value) : MarketOutput.Eth(value);
            string balance = stake ? MarketOutput.Stake(after) : MarketOutput.Eth(after);
            MarketOutput.Print(r.GetValue(options.Json), new
            {
                account = session.Address,
                action = name,
                amount = MarketOutput.Wei(value),
                balance = MarketOutput.Wei(after),
                transaction = receipt.TransactionHash,
            }, [$"{name} {shown}: done (transaction {receipt.TransactionHash}); {(stake ? "stake" : "market balance")} of {session.Address} is now {balance}"]);
            return 0;
        }));
        return cmd;
    }

    private static Command Balance(string name, string description, bool stake)
    {
        var options = new MarketOptions();
        var address = new Argument<string?>("address") { Description = "the account (default: the signer's: --account, --private-key-file, $VERITY_PRIVATE_KEY)", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command(name, description);
        cmd.Arguments.Add(address);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            string? given = r.GetValue(address);
            if (given != null && !AddressUtil.Current.IsValidEthereumAddressHexFormat(given))
                throw new CliException($"'{given}' is not an Ethereum address (0x and 40 hex digits).");
            var settings = options.Resolve(r);
            var session = await MarketSession.OpenAsync(settings, withKey: given is null, ct);
            string who = given != null ? AddressUtil.Current.ConvertToChecksumAddress(given) : session.Address;
            BigInteger inMarket, inWallet;
            if (stake)
            {
                inMarket = await session.Market.StakeBalanceOfAsync(who, ct);
                inWallet = await (await session.Market.StakeTokenAsync(ct)).BalanceOfAsync(who, ct);
            }
            else
            {
                inMarket = await session.Market.BalanceOfAsync(who, ct);
                inWallet = (await session.Web3.Eth.GetBalance.SendRequestAsync(who).WaitAsync(ct)).Value;
            }
            Func<BigInteger, string> show = stake ? MarketOutput.Stake : MarketOutput.Eth;
            MarketOutput.Print(r.GetValue(options.Json), new { account = who, market = MarketOutput.Wei(inMarket), wallet = MarketOutput.Wei(inWallet) },
            [
                $"account {who}",
                $"{(stake ? "stake in the market" : "market balance"),-20} {show(inMarket)}",
                $"{"wallet",-20} {show(inWallet)}",
            ]);
            return 0;
        }));
        return cmd;
    }
}
