using Spectre.Console;
using Spectre.Console.Rendering;
using Verity.Chain.Rpc;
using Verity.Market.Devnet;

namespace Verity.Cli.Commands.Market.Devnet;

/// <summary>
/// What <c>verity devnet</c> shows while it runs: a live table on a terminal, one line per change otherwise, nothing
/// but the final JSON object with <c>--json</c>.
/// </summary>
internal abstract class DevnetView
{
    public static DevnetView Create(bool json) =>
        json ? new QuietView()
        : AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected ? new LiveView()
        : new LineView();

    public abstract void Note(string text);

    /// <summary>Shows the state after a refresh.</summary>
    public abstract void Show(DevnetSummary summary, IReadOnlyList<DevnetProver> provers, ulong chainTime);

    /// <summary>Runs the refresh loop (inside the live display, for the table).</summary>
    public virtual Task WrapAsync(Func<Task> loop) => loop();

    /// <summary>The summary at the end (not for --json, which prints its object).</summary>
    public virtual void Done(DevnetSummary summary, IReadOnlyList<DevnetProver> provers, RpcFaultProxy? proxy)
    {
        Console.WriteLine($"submitted {summary.Submitted}, locked {summary.Locked}, fulfilled {summary.Fulfilled}, slashed {summary.Slashed}, " +
                          $"expired unfulfilled {summary.ExpiredUnfulfilled}, lost {summary.Lost}, slashed among feasible requests {summary.FeasibleSlashed}");
        var latency = summary.Latency;
        Console.WriteLine($"submit → locked {latency.SubmitToLocked}; submit → fulfilled {latency.SubmitToFulfilled} (chain time)");
        Console.WriteLine($"preflight {latency.Preflight}; proving {latency.Proving}; overhead (submit → fulfilled − proving) {latency.Overhead}");
        foreach (var p in summary.Provers)
            Console.WriteLine($"{Name(p.Address, provers),-8} {p.Address}  locks {p.Locks}, fulfilled {p.Fulfilled}, earned {MarketOutput.Eth(p.EarnedWei)}, bounties {MarketOutput.Stake(p.BountyTokens)}");
        if (proxy != null)
            Console.WriteLine("RPC faults injected: " + string.Join(", ", proxy.Injected.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}")));
    }

    protected static string Name(string? address, IReadOnlyList<DevnetProver> provers) =>
        address == null ? "" : provers.FirstOrDefault(p => p.Address.Equals(address, StringComparison.OrdinalIgnoreCase))?.Name ?? Short(address);

    protected static string Short(string hex) => hex.Length > 14 ? $"{hex[..8]}…{hex[^4..]}" : hex;

    protected static string State(RequestOutcome r) => r.State switch
    {
        RequestOutcomeState.Open => "open",
        RequestOutcomeState.Locked => "locked",
        RequestOutcomeState.LockExpired => "lock expired",
        RequestOutcomeState.Slashed => "slashed",
        RequestOutcomeState.Fulfilled => r.WasSlashed ? "fulfilled (after slash)" : "fulfilled",
        RequestOutcomeState.Expired => r.WasSlashed ? "expired, slashed" : "expired",
        _ => r.State.ToString(),
    };

    private sealed class QuietView : DevnetView
    {
        public override void Note(string text) { }
        public override void Show(DevnetSummary summary, IReadOnlyList<DevnetProver> provers, ulong chainTime) { }
        public override void Done(DevnetSummary summary, IReadOnlyList<DevnetProver> provers, RpcFaultProxy? proxy) { }
    }

    /// <summary>Plain lines: each note, and each request whenever its state or prover changes.</summary>
    private sealed class LineView : DevnetView
    {
        private readonly Dictionary<System.Numerics.BigInteger, string> _last = [];

        public override void Note(string text) => Console.WriteLine(text);

        public override void Show(DevnetSummary summary, IReadOnlyList<DevnetProver> provers, ulong chainTime)
        {
            foreach (var r in summary.Requests)
            {
                string line = $"{MarketOutput.Id(r.Id)} {r.Submitted.Guest}: {State(r)}"
                    + (r.LockedBy != null ? $", locked by {Name(r.LockedBy, provers)}" : "")
                    + (r.FulfilledBy != null ? $", paid to {Name(r.FulfilledBy, provers)}" : "");
                if (_last.TryGetValue(r.Id, out var previous) && previous == line) continue;
                _last[r.Id] = line;
                Console.WriteLine(line);
            }
        }
    }

    /// <summary>Spectre's live display: the requests and the provers, redrawn on each refresh.</summary>
    private sealed class LiveView : DevnetView
    {
        private readonly Queue<string> _notes = new();
        private LiveDisplayContext? _context;

        public override void Note(string text)
        {
            lock (_notes)
            {
                _notes.Enqueue(text);
                while (_notes.Count > 4) _notes.Dequeue();
            }
            if (_context == null) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
        }

        public override Task WrapAsync(Func<Task> loop) =>
            AnsiConsole.Live(new Text("starting…")).AutoClear(false).StartAsync(async ctx =>
            {
                _context = ctx;
                try { await loop().ConfigureAwait(false); }
                finally { _context = null; }
            });

        public override void Show(DevnetSummary summary, IReadOnlyList<DevnetProver> provers, ulong chainTime)
        {
            if (_context == null) return;
            var requests = new Table().Border(TableBorder.Rounded).Title($"requests (chain time {chainTime})")
                .AddColumn("request").AddColumn("guest").AddColumn("via").AddColumn("state").AddColumn("locked by").AddColumn("paid to");
            foreach (var r in summary.Requests.TakeLast(20))
                requests.AddRow(Markup.Escape(Short(MarketOutput.Id(r.Id))), r.Submitted.Guest + (r.Submitted.Impossible ? " [red]⏱[/]" : ""),
                    r.Submitted.OffChain ? "stream" : "chain", Markup.Escape(State(r)), Markup.Escape(Name(r.LockedBy, provers)),
                    Markup.Escape(Name(r.FulfilledBy, provers)));
            var perProver = new Table().Border(TableBorder.Rounded).Title("provers")
                .AddColumn("prover").AddColumn("address").AddColumn("mcycle price").AddColumn("locks").AddColumn("fulfilled").AddColumn("earned");
            foreach (var p in summary.Provers)
            {
                var prover = provers.FirstOrDefault(x => x.Address.Equals(p.Address, StringComparison.OrdinalIgnoreCase));
                perProver.AddRow(Markup.Escape(Name(p.Address, provers)), Markup.Escape(Short(p.Address)),
                    prover == null ? "" : Markup.Escape(Verity.Market.Requests.EthAmount.Format(prover.McyclePrice)),
                    p.Locks.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Fulfilled.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(Verity.Market.Requests.EthAmount.Format(p.EarnedWei)));
            }
            string totals = $"submitted {summary.Submitted} · locked {summary.Locked} · fulfilled {summary.Fulfilled} · slashed {summary.Slashed} · " +
                            $"expired {summary.ExpiredUnfulfilled} · lost {summary.Lost}";
            string[] notes;
            lock (_notes) notes = [.. _notes];
            var rows = new List<IRenderable> { requests, perProver, new Markup($"[bold]{Markup.Escape(totals)}[/]") };
            rows.AddRange(notes.Select(n => new Markup($"[grey]{Markup.Escape(n)}[/]")));
            _context.UpdateTarget(new Rows(rows));
            _context.Refresh();
        }
    }
}
