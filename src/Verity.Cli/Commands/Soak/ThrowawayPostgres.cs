using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Verity.Cli.Commands.Soak;

/// <summary>
/// A PostgreSQL server of the soak's own, as scripts/test-services.sh starts one: initdb and pg_ctl into a folder of
/// the soak's work dir (run as user postgres when the soak runs as root, since the server refuses root), trust auth,
/// listening on a free loopback port. <see cref="RestartAsync"/> is the database fault; disposing stops the server.
/// The binaries come from $VERITY_PG_BIN, else /usr/lib/postgresql/15/bin, else PATH.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly int _port;

    private ThrowawayPostgres(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        _port = port;
    }

    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres";

    private string DataDir => Path.Combine(_dir, "data");

    public static async Task<ThrowawayPostgres> StartAsync(string workDir, CancellationToken ct)
    {
        string bin = FindBin();
        string dir = Path.Combine(workDir, "postgres");
        Directory.CreateDirectory(dir);
        if (Environment.UserName == "root") await RunAsync("chown", ["postgres:postgres", dir], asPostgres: false, ct).ConfigureAwait(false);
        var pg = new ThrowawayPostgres(bin, dir, FreePort());
        await pg.PgAsync("initdb", ["-D", pg.DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8"], ct).ConfigureAwait(false);
        await pg.PgCtlAsync(["start", "-w", "-t", "60", "-l", Path.Combine(dir, "server.log"),
            "-o", $"-p {pg._port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=200"], ct).ConfigureAwait(false);
        return pg;
    }

    /// <summary>pg_ctl restart with the given shutdown mode (fast: clients disconnected; immediate: no checkpoint, crash recovery on start).</summary>
    public Task RestartAsync(string mode, CancellationToken ct) =>
        PgCtlAsync(["restart", "-m", mode, "-w", "-t", "60", "-l", Path.Combine(_dir, "server.log"),
            "-o", $"-p {_port} -k {_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"], ct);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await PgCtlAsync(["stop", "-m", "fast", "-w"], timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CliFailureException or OperationCanceledException)
        {
            Console.Error.WriteLine($"warning: could not stop the soak's PostgreSQL in {_dir}: {e.Message}");
        }
    }

    private Task PgCtlAsync(IReadOnlyList<string> args, CancellationToken ct) => PgAsync("pg_ctl", ["-D", DataDir, .. args], ct);

    private Task PgAsync(string tool, IReadOnlyList<string> args, CancellationToken ct) =>
        RunAsync(Path.Combine(_bin, tool), args, asPostgres: Environment.UserName == "root", ct);

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(asPostgres ? "su" : file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres)
        {
            // su runs one shell command line: quote every word.
            foreach (var a in new[] { "postgres", "-s", "/bin/sh", "-c", string.Join(' ', new[] { file }.Concat(args).Select(Quote)) }) psi.ArgumentList.Add(a);
        }
        else
        {
            foreach (var a in args) psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new CliFailureException($"cannot run {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try { await p.WaitForExitAsync(ct).ConfigureAwait(false); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        if (p.ExitCode != 0)
            throw new CliFailureException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({p.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()} {(await stdout.ConfigureAwait(false)).Trim()}");
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string FindBin()
    {
        foreach (var dir in new[] { Environment.GetEnvironmentVariable("VERITY_PG_BIN"), "/usr/lib/postgresql/15/bin" })
            if (!string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "initdb"))) return dir;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "initdb"))) return dir;
        throw new CliException("--store postgres needs the PostgreSQL server binaries (initdb, pg_ctl): set VERITY_PG_BIN, or install postgresql-15");
    }

    /// <summary>A loopback port nothing listens on now (the server binds it a moment later).</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
