using System.CommandLine;
using System.Numerics;
using Verity.Market.Settings;

namespace Verity.Cli.Commands.Market;

/// <summary>
/// A market command that sends one transaction about one request (`proving slash`, `request refund`): the request id
/// argument, the shared market options, a session with the role's key, and one printed result (JSON or a line).
/// </summary>
internal static class RequestActionCommand
{
    /// <param name="act">sends the transaction and reads its event; returns the JSON object and the line to print</param>
    public static Command Create(string name, string description, string defaultRole,
        Func<MarketSession, BigInteger, CancellationToken, Task<(object Json, string Line)>> act)
    {
        var options = new MarketOptions(defaultRole);
        var id = MarketOptions.RequestIdArgument();
        var cmd = new Command(name, description);
        cmd.Arguments.Add(id);
        options.AddTo(cmd);
        cmd.SetAction((r, ct) => MarketCommandErrors.RunAsync(async () =>
        {
            var requestId = MarketOptions.ParseRequestId(r.GetValue(id)!);
            var session = await MarketSession.OpenAsync(options.Resolve(r), withKey: true, ct);
            var (json, line) = await act(session, requestId, ct);
            MarketOutput.Print(r.GetValue(options.Json), json, [line]);
            return 0;
        }));
        return cmd;
    }
}
