using System.Runtime.InteropServices;
using System.Security;

namespace PolyglotAspire.ClickHouseServer;

/// <summary>Where the server keeps its data, where it listens, and what it loads.</summary>
public sealed record ServerOptions(string DataPath, int HttpPort, string LibraryPath);

/// <summary>
/// ClickHouse 26.7's own HTTP server, run in this process from chDB's <c>libchdb.so</c>: clickhouse-local's entry
/// point (<c>chdb_query_cmdline</c>) with listeners, which serves until its last statement — a read of a FIFO —
/// ends. <see cref="Stop"/> closes the FIFO: the statement ends, ClickHouse shuts down cleanly, <see cref="Run"/> returns.
/// <para>
/// Only HTTP listens (what ClickHouse.Driver speaks). Native TCP is left off on purpose: on chDB 26.7.3 one failed
/// native-protocol login aborts the whole process (SIGABRT in a TCPHandler thread, with or without ClickHouse's
/// signal handlers), so a TCP port would let any local process kill the analytics store.
/// </para>
/// </summary>
public sealed partial class LocalClickHouseServer(ServerOptions options, TextWriter log) : IDisposable
{
    /// <summary>The app's database; the users' grants (AppHost/ClickHouse/users.xml) name it.</summary>
    public const string Database = "analytics";

    /// <summary>Every user's password; a variable left empty would make a password-less user, so none may be.</summary>
    public static readonly string[] PasswordVariables = ["CLICKHOUSE_ADMIN_PASSWORD", "CLICKHOUSE_WRITER_PASSWORD", "CLICKHOUSE_READER_PASSWORD"];

    private readonly string _runtime = Directory.CreateTempSubdirectory("polyglot-clickhouse-").FullName;
    private readonly StartupGate _gate = new();
    private int _stopping;
    private string? _failure;

    private string StopFifo => Path.Combine(_runtime, "stop.fifo");

    /// <summary>Serves until <see cref="Stop"/>; returns ClickHouse's error, or null after a clean stop.</summary>
    public string? Run()
    {
        var missing = PasswordVariables.Where(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))).ToList();
        if (missing.Count > 0)
        {
            return $"No password in {string.Join(", ", missing)}: refusing to start users without one.";
        }

        var configFile = WriteConfiguration();
        if (MakeFifo(StopFifo, 0b110_000_000) != 0)
        {
            return $"mkfifo {StopFifo} failed (errno {Marshal.GetLastPInvokeError()})";
        }

        Directory.CreateDirectory(options.DataPath);
        ChDb.Load(options.LibraryPath);
        ChDb.SetSignalHandlersEnabled(0);
        _ = Task.Run(ReportReadyAsync);

        // The in-process session logs in (through the gate) before anything listens; then the database, the
        // listener, and the statement that holds the server up until the FIFO is closed.
        string[] argv =
        [
            "clickhouse",
            $"--path={options.DataPath}",
            $"--config-file={configFile}",
            "--log-level=warning",
            "--listen_host=127.0.0.1",
            $"--http_port={options.HttpPort}",
            "--multiquery",
            $"--query=CREATE DATABASE IF NOT EXISTS {Database}; SYSTEM START LISTEN HTTP; " +
            $"SELECT count() FROM file({Quote(StopFifo)}, 'RawBLOB') FORMAT Null",
        ];
        var error = ChDb.TakeError(ChDb.QueryCommandLine(argv.Length, argv));
        return _failure ?? error ?? (Volatile.Read(ref _stopping) != 0 ? null : "ClickHouse stopped on its own");
    }

    /// <summary>Ends the statement that keeps the server up (from any thread; blocks until the server has the FIFO open).</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0 && File.Exists(StopFifo))
        {
            _ = Task.Run(() => File.WriteAllBytes(StopFifo, []));
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        Directory.Delete(_runtime, recursive: true);
    }

    /// <summary>
    /// The server's configuration: this host's users (config/users.xml: the in-process <c>default</c> behind the gate,
    /// <c>admin</c>), into which ClickHouse merges the app's users (config/users.d/app.xml), and the gate's address.
    /// </summary>
    private string WriteConfiguration()
    {
        var users = Path.Combine(AppContext.BaseDirectory, "config", "users.xml");
        var server = Path.Combine(_runtime, "server.xml");
        File.WriteAllText(server, $"""
            <clickhouse>
              <users_config>{SecurityElement.Escape(users)}</users_config>
              <http_authentication_servers>
                <startup_gate><uri>{_gate.Uri}</uri><max_tries>1</max_tries></startup_gate>
              </http_authentication_servers>
            </clickhouse>
            """);
        return server;
    }

    /// <summary>
    /// Once the server answers, proves what matters most before saying it is ready: a query without credentials is
    /// refused. Were it not (a configuration that failed to load makes clickhouse-local fall back to a password-less
    /// <c>default</c>), the server is stopped at once.
    /// </summary>
    private async Task ReportReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{options.HttpPort}/"), Timeout = TimeSpan.FromSeconds(5) };
        while (Volatile.Read(ref _stopping) == 0)
        {
            try
            {
                if ((await http.GetAsync("ping")).IsSuccessStatusCode)
                {
                    using var anonymous = await http.GetAsync("?query=SELECT%201");
                    if (anonymous.IsSuccessStatusCode)
                    {
                        _failure = "a query without credentials was answered: refusing to serve";
                        Stop();
                        return;
                    }

                    log.WriteLine($"ClickHouse serving HTTP on 127.0.0.1:{options.HttpPort} (data: {options.DataPath}); " +
                        $"anonymous queries refused ({(int)anonymous.StatusCode})");
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }
    }

    private static string Quote(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);
}
